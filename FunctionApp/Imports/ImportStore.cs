using Azure;
using Azure.Data.Tables;
using FrontFunctions.IdMap;
using FrontFunctions.Storage;

namespace FrontFunctions.Imports;

/// <summary>
/// The import table (<c>FrontImports</c>, keys in <see cref="ImportKeys"/>): every change is a read-decide-write through
/// <see cref="OptimisticTable"/> with a rule of <see cref="ImportTransitions"/>.
/// </summary>
public sealed class ImportStore
{
    private readonly OptimisticTable _table;
    private readonly TimeProvider _time;

    public ImportStore(TableServiceClient tables, TimeProvider time)
    {
        _table = new OptimisticTable(tables.GetTableClient(StorageNames.ImportsTable));
        _time = time;
    }

    public Task<ImportEntity?> GetAsync(string channelId, string externalId, CancellationToken cancellationToken) =>
        _table.GetAsync<ImportEntity>(channelId, ImportKeys.Import(externalId), cancellationToken);

    /// <summary>Reserves the external id for one Front call. Returns the reservation, or null and the row that answers instead.</summary>
    public async Task<(ImportEntity? Reservation, ImportEntity? Existing)> ReserveAsync(
        string channelId, ImportDraft draft, TimeSpan lease, CancellationToken cancellationToken)
    {
        var fresh = new ImportEntity
        {
            PartitionKey = channelId,
            RowKey = ImportKeys.Import(draft.ExternalId),
            Status = ImportStatus.Sending,
            Inbound = draft.Inbound,
            ExternalId = draft.ExternalId,
            ExternalConversationId = draft.ExternalConversationId,
            ReservationId = Guid.NewGuid().ToString("N"),
            ReservedAt = _time.GetUtcNow(),
        };
        ImportEntity? existing = null, decided = null;
        var wrote = await _table.InsertFirstAsync<ImportEntity>(
            fresh,
            current =>
            {
                existing = current;
                decided = ImportTransitions.Reserve(current, fresh, _time.GetUtcNow(), lease);
                return ValueTask.FromResult(decided);
            },
            cancellationToken).ConfigureAwait(false);
        if (!wrote)
        {
            return (null, existing);
        }

        // Written: our reservation, or (an expired reservation made unknown) the row that answers instead.
        return decided is null || decided.ReservationId == fresh.ReservationId && decided.Status == ImportStatus.Sending
            ? (fresh, null)
            : (null, decided);
    }

    /// <summary>The Front call's outcome is unknown (it may have reached Front). Returns the row as it now stands.</summary>
    public Task<ImportEntity?> UnknownAsync(ImportEntity reservation, string reason, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        MutateAndReadAsync(reservation, current => ImportTransitions.Unknown(current, reservation.ReservationId!, reason, body, _time.GetUtcNow()), cancellationToken);

    /// <summary>Records that the overdue check of the accepted import was queued.</summary>
    public Task MarkCheckScheduledAsync(string channelId, string externalId, string messageUid, CancellationToken cancellationToken) =>
        _table.MutateAsync<ImportEntity>(channelId, ImportKeys.Import(externalId),
            current => ImportTransitions.CheckScheduled(current, messageUid), cancellationToken);

    /// <summary>An operator's "send again" of an unknown import: the reservation it holds, or null when the row does not allow it.</summary>
    public async Task<(ImportEntity? Reservation, ImportEntity? Current)> ReserveToSendAgainAsync(
        string channelId, string externalId, TimeSpan overdueAfter, CancellationToken cancellationToken)
    {
        var reservationId = Guid.NewGuid().ToString("N");
        ImportEntity? current = null, decided = null;
        await _table.MutateAsync<ImportEntity>(channelId, ImportKeys.Import(externalId), row =>
        {
            current = row;
            decided = ImportTransitions.SendAgain(row, reservationId, _time.GetUtcNow(), overdueAfter);
            return decided;
        }, cancellationToken).ConfigureAwait(false);
        return (decided, current);
    }

    /// <summary>The channel's <c>unknown</c> imports (all channels when <paramref name="channelId"/> is null), at most <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<ImportEntity>> ListUnknownAsync(string? channelId, int max, CancellationToken cancellationToken)
    {
        var filter = channelId is null
            ? TableClient.CreateQueryFilter($"Status eq {ImportStatus.Unknown}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {channelId} and Status eq {ImportStatus.Unknown}");
        var rows = new List<ImportEntity>();
        try
        {
            await foreach (var row in _table.Table.QueryAsync<ImportEntity>(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                rows.Add(row);
                if (rows.Count >= max)
                {
                    break;
                }
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // no table yet: nothing imported
        }

        return rows;
    }

    /// <summary>
    /// Makes every <c>sending</c> row older than <paramref name="lease"/> (its request died: host killed, scale-in) <c>unknown</c>,
    /// so it is listed for the operator instead of staying invisible. Returns how many it changed.
    /// </summary>
    public async Task<int> ExpireStaleReservationsAsync(string? channelId, TimeSpan lease, CancellationToken cancellationToken)
    {
        var cutoff = _time.GetUtcNow() - lease;
        var filter = channelId is null
            ? TableClient.CreateQueryFilter($"Status eq {ImportStatus.Sending} and ReservedAt lt {cutoff}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {channelId} and Status eq {ImportStatus.Sending} and ReservedAt lt {cutoff}");
        var changed = 0;
        try
        {
            await foreach (var row in _table.Table.QueryAsync<ImportEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (await _table.MutateAsync<ImportEntity>(row.PartitionKey, row.RowKey,
                        current => ImportTransitions.Expire(current, _time.GetUtcNow(), lease), cancellationToken).ConfigureAwait(false))
                {
                    changed++;
                }
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // no table yet
        }

        return changed;
    }

    private async Task<ImportEntity?> MutateAndReadAsync(ImportEntity reservation, Func<ImportEntity?, ImportEntity?> decide, CancellationToken cancellationToken)
    {
        ImportEntity? final = null;
        await _table.MutateAsync<ImportEntity>(reservation.PartitionKey, reservation.RowKey, current =>
        {
            var next = decide(current);
            final = next ?? current;
            return next;
        }, cancellationToken).ConfigureAwait(false);
        return final;
    }

    /// <summary>Front answered 202. Returns the row as it now stands.</summary>
    public async Task<ImportEntity> AcceptAsync(ImportEntity reservation, string messageUid, CancellationToken cancellationToken)
    {
        ImportEntity? final = null;
        await _table.MutateAsync<ImportEntity>(reservation.PartitionKey, reservation.RowKey, current =>
        {
            var next = ImportTransitions.Accept(current, reservation.ReservationId!, messageUid, _time.GetUtcNow());
            final = next ?? current;
            return next;
        }, cancellationToken).ConfigureAwait(false);
        return final ?? reservation;
    }

    public Task FailAsync(string channelId, string externalId, string? reservationId, string? messageUid, string reason, CancellationToken cancellationToken) =>
        _table.MutateAsync<ImportEntity>(channelId, ImportKeys.Import(externalId),
            current => ImportTransitions.Fail(current, reservationId, messageUid, reason), cancellationToken);

    /// <summary>Records that Front created the message; nothing happens for messages not imported through the app.</summary>
    public Task MarkImportedAsync(string channelId, string externalId, string? messageUid, string messageId, string conversationId, CancellationToken cancellationToken) =>
        _table.MutateAsync<ImportEntity>(channelId, ImportKeys.Import(externalId),
            current => ImportTransitions.Imported(current, messageUid, messageId, conversationId, _time.GetUtcNow()), cancellationToken);

    /// <summary>
    /// Removes our reservation after a Front call that failed transiently (nothing was created: the caller may retry).
    /// Only if the row is still our untouched reservation (If-Match).
    /// </summary>
    public async Task ReleaseAsync(ImportEntity reservation, CancellationToken cancellationToken)
    {
        var current = await _table.GetAsync<ImportEntity>(reservation.PartitionKey, reservation.RowKey, cancellationToken).ConfigureAwait(false);
        if (current is null || current.Status != ImportStatus.Sending || current.ReservationId != reservation.ReservationId)
        {
            return;
        }

        try
        {
            await _table.Table.DeleteEntityAsync(current.PartitionKey, current.RowKey, current.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Changed meanwhile (a notification marked it imported): keep what is there.
        }
    }
}
