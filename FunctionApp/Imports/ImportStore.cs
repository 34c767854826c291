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

    public ImportStore(TableServiceClient tables, StorageInitializer storage, TimeProvider time)
    {
        _table = new OptimisticTable(tables.GetTableClient(StorageNames.ImportsTable), storage.EnsureCreatedAsync);
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
        ImportEntity? existing = null;
        var wrote = await _table.InsertFirstAsync<ImportEntity>(
            fresh,
            current =>
            {
                existing = current;
                return ValueTask.FromResult(ImportTransitions.Reserve(current, fresh, _time.GetUtcNow(), lease));
            },
            cancellationToken).ConfigureAwait(false);
        return wrote ? (fresh, null) : (null, existing);
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
