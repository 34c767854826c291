namespace FrontFunctions.Imports;

/// <summary>
/// The rules of the import row, as pure decisions (the row as read → the row to write, or null to leave it). Status only
/// moves forward: sending → accepted → imported, or to failed; a notification can arrive before the 202 was recorded
/// (Front's delivery order is unconfirmed), so <c>imported</c> may also follow <c>sending</c> and is never undone.
/// </summary>
public static class ImportTransitions
{
    /// <summary>
    /// Reserving an external id for a new Front call: when no row exists, when the last attempt failed, or when a reservation
    /// is older than <paramref name="lease"/> (its request died between reserving and recording). Otherwise null: the
    /// existing row is the answer.
    /// </summary>
    public static ImportEntity? Reserve(ImportEntity? existing, ImportEntity fresh, DateTimeOffset now, TimeSpan lease)
    {
        if (existing is null || existing.Status == ImportStatus.Failed
            || (existing.Status == ImportStatus.Sending && now - (existing.ReservedAt ?? DateTimeOffset.MinValue) > lease))
        {
            var row = fresh.Copy();
            row.ETag = existing?.ETag ?? default;
            return row;
        }

        return null;
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
        if (existing.Status == ImportStatus.Sending)
        {
            row.Status = ImportStatus.Accepted;
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
