namespace FrontFunctions.Imports;

/// <summary>
/// The rules of the import row, as pure decisions (the row as read → the row to write, or null to leave it). Status only
/// moves forward: sending → accepted → imported, or to failed, or sending → unknown (Front's answer was lost) → imported;
/// a notification can arrive before the 202 was recorded (Front's delivery order is unconfirmed), so <c>imported</c> may
/// also follow <c>sending</c> and is never undone. Only an operator moves <c>unknown</c> back to <c>sending</c>.
/// </summary>
public static class ImportTransitions
{
    /// <summary>The largest request body an <c>unknown</c> row keeps for the operator's "send again" (a table property's limit).</summary>
    public const int MaxKeptBodyBytes = 60 * 1024;

    /// <summary>
    /// Reserving an external id for a new Front call: only when no row exists, or when Front's own answer refused the last
    /// attempt (<c>failed</c> without a <c>message_uid</c>: Front never accepted it). Otherwise null: the existing row is the
    /// answer and Front is not called. A row failed by the overdue lookup (Front accepted it, the uid is on the row) is never
    /// reserved again: the first import may still land. A reservation older than <paramref name="lease"/> (its request died
    /// after, perhaps, reaching Front) is not taken over either: <see cref="Expire"/> makes it <c>unknown</c>.
    /// </summary>
    public static ImportEntity? Reserve(ImportEntity? existing, ImportEntity fresh, DateTimeOffset now, TimeSpan lease)
    {
        if (existing is null || (existing.Status == ImportStatus.Failed && existing.MessageUid is null))
        {
            var row = fresh.Copy();
            row.ETag = existing?.ETag ?? default;
            return row;
        }

        return Expire(existing, now, lease);
    }

    /// <summary>
    /// A <c>sending</c> row older than <paramref name="lease"/> (which covers the Front client's total timeout, so its call is
    /// over) whose request never recorded the outcome: <c>unknown</c>. Null for any other row.
    /// </summary>
    public static ImportEntity? Expire(ImportEntity? existing, DateTimeOffset now, TimeSpan lease)
    {
        if (existing is null || existing.Status != ImportStatus.Sending || now - (existing.ReservedAt ?? DateTimeOffset.MinValue) <= lease)
        {
            return null;
        }

        var row = existing.Copy();
        row.Status = ImportStatus.Unknown;
        row.UnknownAt = now;
        row.Reason = "The request that was sending this import to Front ended without recording Front's answer; Front may have the message.";
        return row;
    }

    /// <summary>
    /// The Front call of our reservation ended without an answer saying what Front did: <c>unknown</c>, with the reason and the
    /// body (kept for the operator when it fits). A row a notification already settled keeps its state.
    /// </summary>
    public static ImportEntity? Unknown(ImportEntity? existing, string reservationId, string reason, ReadOnlyMemory<byte> body, DateTimeOffset now)
    {
        if (existing is null || existing.Status != ImportStatus.Sending || existing.ReservationId != reservationId)
        {
            return null;
        }

        var row = existing.Copy();
        row.Status = ImportStatus.Unknown;
        row.UnknownAt = now;
        row.Reason = reason;
        row.Body = body.Length <= MaxKeptBodyBytes ? body.ToArray() : null;
        return row;
    }

    /// <summary>
    /// An operator sends an <c>unknown</c> import again (console): the row becomes our reservation (<c>sending</c>) once
    /// the notification window is over and the body was kept; else null.
    /// </summary>
    public static ImportEntity? SendAgain(ImportEntity? existing, string reservationId, DateTimeOffset now, TimeSpan overdueAfter)
    {
        if (existing is not { Status: ImportStatus.Unknown, Body.Length: > 0 } || now - (existing.UnknownAt ?? now) < overdueAfter)
        {
            return null;
        }

        var row = existing.Copy();
        row.Status = ImportStatus.Sending;
        row.ReservationId = reservationId;
        row.ReservedAt = now;
        row.SentAgain = (existing.SentAgain ?? 0) + 1;
        return row;
    }

    /// <summary>The overdue check of an accepted import was queued.</summary>
    public static ImportEntity? CheckScheduled(ImportEntity? existing, string messageUid)
    {
        if (existing is null || existing.MessageUid != messageUid || existing.CheckScheduled == true)
        {
            return null;
        }

        var row = existing.Copy();
        row.CheckScheduled = true;
        return row;
    }

    /// <summary>Front answered 202: our reservation becomes <c>accepted</c> (a row already imported keeps its state).</summary>
    public static ImportEntity? Accept(ImportEntity? existing, string reservationId, string messageUid, DateTimeOffset now)
    {
        if (existing is null || existing.ReservationId != reservationId)
        {
            return null;
        }

        var row = existing.Copy();
        row.MessageUid ??= messageUid;
        row.AcceptedAt ??= now;
        if (existing.Status is ImportStatus.Sending or ImportStatus.Unknown)
        {
            row.Status = ImportStatus.Accepted;
            row.Reason = null;
            row.Body = null;
        }
        else if (existing.MessageUid is not null)
        {
            return null;
        }

        return row;
    }

    /// <summary>
    /// Front created the message: an <c>accepted</c> (or still <c>sending</c>) row of the same uid becomes <c>imported</c>
    /// with the Front ids. A row with another uid (the same external id imported outside the app) is left alone. A row
    /// <c>failed</c> because the overdue lookup found nothing becomes <c>imported</c> if its own uid shows up later (Front was
    /// slower than <see cref="ImportOptions.OverdueAfter"/>); one Front refused (no uid) never does.
    /// </summary>
    public static ImportEntity? Imported(ImportEntity? existing, string? messageUid, string messageId, string conversationId, DateTimeOffset now)
    {
        if (existing is null
            || (existing.Status == ImportStatus.Failed && (existing.MessageUid is null || existing.MessageUid != messageUid))
            || (existing.MessageUid is not null && messageUid is not null && existing.MessageUid != messageUid))
        {
            return null;
        }

        if (existing.Status == ImportStatus.Imported && existing.MessageId == messageId && existing.ConversationId == conversationId)
        {
            return null;
        }

        var row = existing.Copy();
        row.Status = ImportStatus.Imported;
        row.MessageUid ??= messageUid;
        row.MessageId = messageId;
        row.ConversationId = conversationId;
        row.ImportedAt ??= now;
        row.Reason = null;
        row.Body = null;
        return row;
    }

    /// <summary>
    /// Front refused: our reservation (<paramref name="reservationId"/>) or an <c>accepted</c> row of <paramref name="messageUid"/>
    /// becomes <c>failed</c> with the reason. Imported rows are never failed.
    /// </summary>
    public static ImportEntity? Fail(ImportEntity? existing, string? reservationId, string? messageUid, string reason)
    {
        var ours = existing is not null
            && ((existing.Status == ImportStatus.Sending && reservationId is not null && existing.ReservationId == reservationId)
                || (existing.Status == ImportStatus.Accepted && messageUid is not null && existing.MessageUid == messageUid));
        if (!ours)
        {
            return null;
        }

        var row = existing!.Copy();
        row.Status = ImportStatus.Failed;
        row.Reason = reason;
        return row;
    }
}
