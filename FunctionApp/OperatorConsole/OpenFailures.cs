using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using FrontFunctions.Failures;
using FrontFunctions.Front;
using FrontFunctions.IdMap;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;

namespace FrontFunctions.OperatorConsole;

/// <summary>
/// The failures still open, newest first, found through <see cref="FailureIndex"/> (never a scan of the failures table):
/// each index entry's failure row is read by key and listed unless it is stale (gone, or replaced by a later failure: its
/// own entry comes first), re-queued (<c>RequeuedAt</c>) or mapped since (its message is in the id map: one more point
/// read). A stale or closed entry is removed as it is met, so the work of a page stays the size of the page.
/// </summary>
internal sealed class OpenFailures(TableServiceClient tables, FailureIndex index, TimeProvider time)
{
    /// <summary>
    /// An entry younger than this whose failure row does not match yet may be a failure being recorded (the entry is written
    /// first): skipped, not removed.
    /// </summary>
    private static readonly TimeSpan RecordingGrace = TimeSpan.FromMinutes(1);

    public const string RequeuedAtColumn = "RequeuedAt";

    private TableClient Map => tables.GetTableClient(StorageNames.IdMapTable);
    private TableClient Failures => tables.GetTableClient(StorageNames.FailuresTable);

    /// <summary>At most <paramref name="max"/> open failures (all channels' or one's), newest first; Truncated when there are more.</summary>
    public async Task<FailuresView> PageAsync(string? channelId, int max, CancellationToken cancellationToken)
    {
        var failures = new List<FailureView>();
        var truncated = false;
        await foreach (var row in RowsAsync(channelId, cancellationToken).ConfigureAwait(false))
        {
            if (failures.Count == max)
            {
                truncated = true;
                break;
            }

            failures.Add(new FailureView(
                row.PartitionKey,
                row.RowKey,
                row.GetString("MessageId"),
                row.GetString("Reason") ?? "",
                row.GetInt64("DequeueCount") ?? 0,
                row.GetDateTimeOffset("FailedAt"),
                row.GetBoolean("Permanent") ?? false,
                row.GetDateTimeOffset("FrontNotifiedAt"),
                row.GetString("FrontNotifyError")));
        }

        return new FailuresView(failures, truncated);
    }

    /// <summary>The open failure rows, newest first.</summary>
    public async IAsyncEnumerable<TableEntity> RowsAsync(string? channelId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in index.NewestAsync(channelId, cancellationToken).ConfigureAwait(false))
        {
            var found = await Failures.GetEntityIfExistsAsync<TableEntity>(entry.Channel, entry.FailureId, cancellationToken: cancellationToken).ConfigureAwait(false);
            var row = found.HasValue ? found.Value : null;
            var rowFailedAt = row?.GetDateTimeOffset("FailedAt");
            var current = FailureIndex.Indexes(entry, rowFailedAt);
            if (!current && !(rowFailedAt > entry.FailedAt) && entry.FailedAt > time.GetUtcNow() - RecordingGrace)
            {
                continue; // no row yet, or an older one: perhaps this failure is being recorded (a later one has its own entry)
            }

            if (row is null || !current || row.ContainsKey(RequeuedAtColumn) || await MappedSinceAsync(row, cancellationToken).ConfigureAwait(false))
            {
                await index.ForgetAsync(entry, cancellationToken).ConfigureAwait(false);
                continue;
            }

            yield return row;
        }
    }

    /// <summary>Whether the failed message is in the id map now (the failure is over, whoever re-queued it).</summary>
    private async Task<bool> MappedSinceAsync(TableEntity failure, CancellationToken cancellationToken)
    {
        // An outbound (partner delivery) failure's message was mapped when Front's request was answered: being in the map
        // says nothing about its delivery.
        if (!FrontIds.IsChannelId(failure.PartitionKey) || failure.GetString("MessageId") is not { Length: > 0 } messageId
            || FailureKeys.QueueOfRowKey(failure.RowKey) == StorageNames.OutboundQueue)
        {
            return false;
        }

        var row = await Map.GetEntityIfExistsAsync<TableEntity>(
            failure.PartitionKey, IdMapKeys.FrontMessage(messageId), select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue;
    }
}
