using Azure.Data.Tables;
using FrontFunctions.Storage;

namespace FrontFunctions.Failures;

/// <summary>
/// Why a delivery failed for good, in table <c>FrontDeliveryFailures</c>: PartitionKey = channel id (<c>_unknown</c> when the
/// queue message was unreadable), RowKey = delivery key (or a hash of the message text). Columns: Reason, MessageId,
/// DequeueCount, FailedAt, Permanent and QueueMessageLength. Ids and the reason only, never the message: the text (which
/// holds the message body) is in the poison queue, and nowhere else once that is emptied. A later failure of the same
/// delivery replaces the row.
/// </summary>
public sealed class DeliveryFailures(TableServiceClient tables, TimeProvider time, Telemetry.FrontMetrics metrics, FailureIndex index)
{
    public const string UnknownChannelPartition = "_unknown";

    private readonly TableClient _table = tables.GetTableClient(StorageNames.FailuresTable);

    public async Task RecordAsync(
        string? channelId,
        string? deliveryKey,
        string? messageId,
        string reason,
        long dequeueCount,
        string queueMessageText,
        bool permanent,
        CancellationToken cancellationToken)
    {
        var (partition, row) = FailureKeys.RowOf(channelId, deliveryKey, queueMessageText);
        var failedAt = time.GetUtcNow();
        await index.AddAsync(partition, row, failedAt, cancellationToken).ConfigureAwait(false); // first: every failure row is indexed
        var entity = new TableEntity(partition, row)
        {
            ["Reason"] = reason.Length > 2_000 ? reason[..2_000] : reason,
            ["MessageId"] = messageId is { Length: > 200 } ? messageId[..200] : messageId,
            ["DequeueCount"] = dequeueCount,
            ["FailedAt"] = failedAt,
            ["Permanent"] = permanent,
            ["QueueMessageLength"] = queueMessageText.Length,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        metrics.Poisoned(
            FailureKeys.QueueOf(deliveryKey),
            deliveryKey is null ? Telemetry.PoisonReasons.Unreadable : permanent ? Telemetry.PoisonReasons.Permanent : Telemetry.PoisonReasons.RetriesExhausted);
    }

    /// <summary>
    /// Adds columns to a recorded failure (a merge: the other columns stay), e.g. that Front was told the message failed
    /// (<c>FrontNotifiedAt</c>). A row gone meanwhile is not recreated.
    /// </summary>
    public async Task AnnotateAsync(string channelId, string deliveryKey, IReadOnlyDictionary<string, object?> columns, CancellationToken cancellationToken)
    {
        var (partition, row) = FailureKeys.RowOf(channelId, deliveryKey, "");
        var entity = new TableEntity(partition, row);
        foreach (var (name, value) in columns)
        {
            entity[name] = value;
        }

        try
        {
            await _table.UpdateEntityAsync(entity, Azure.ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
        }
    }
}
