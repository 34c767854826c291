using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using FrontFunctions.Failures;
using FrontFunctions.Front;
using FrontFunctions.IdMap;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;

namespace FrontFunctions.OperatorConsole;

/// <summary>
/// The console's re-queue: moves poisoned messages back to their queue through <see cref="PoisonRequeue"/> (the code
/// <c>tools/RequeuePoison</c> runs) and closes the failure rows whose message it moved (<c>RequeuedAt</c>, written with the
/// ETag read before the re-queue, so a row replaced by a new failure in between stays open).
/// </summary>
internal sealed class ConsoleRequeue(TableServiceClient tables, PoisonRequeue requeue, OpenFailures open, TimeProvider time)
{
    private const string RequeuedAtColumn = OpenFailures.RequeuedAtColumn;

    private TableClient Failures => tables.GetTableClient(StorageNames.FailuresTable);

    /// <summary>
    /// Re-queues one failure (<paramref name="channelId"/> + <paramref name="failureId"/>), a channel's, or all
    /// (<paramref name="channelId"/> null), then closes the failure rows whose message it re-queued (read before the re-queue,
    /// or, for a failure recorded meanwhile, after it).
    /// </summary>
    public async Task<RequeueView?> RequeueAsync(string? channelId, string? failureId, CancellationToken cancellationToken)
    {
        List<TableEntity> rows = [];
        Dictionary<(string Partition, string RowKey), DateTimeOffset> taken = [];
        int moved;
        if (failureId is not null)
        {
            var found = await Failures.GetEntityIfExistsAsync<TableEntity>(channelId, failureId, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!found.HasValue || found.Value is null)
            {
                return null;
            }

            rows.Add(found.Value);
            // An outbound (partner delivery) failure waits in front-outbound-poison, an ingest one in front-ingest-poison (the
            // failure id is the row key, encoded as DeliveryFailures keys it).
            var queue = FailureKeys.QueueOfRowKey(failureId);
            moved = (await requeue.RequeueWhereAsync(text => FailureIdOf(text) == (channelId, failureId), int.MaxValue, cancellationToken, queue).ConfigureAwait(false)).RequeuedCount;
            if (moved == 0 && queue == StorageNames.IngestQueue)
            {
                // A poisoned overdue import check (ImportCheck records it keyed by its text, as an unreadable item is).
                moved = (await requeue.RequeueWhereAsync(text => FailureIdOf(text) == (channelId, failureId), int.MaxValue, cancellationToken, StorageNames.ImportCheckQueue).ConfigureAwait(false)).RequeuedCount;
            }
        }
        else
        {
            await foreach (var row in open.RowsAsync(channelId, cancellationToken).ConfigureAwait(false))
            {
                rows.Add(row);
            }

            // Only the rows whose message was found and re-queued are closed: a failure recorded an instant before its message
            // reached the poison queue stays listed, for the next re-queue to take; one recorded after the rows were read
            // whose message was taken is read and closed below.
            moved = 0;
            foreach (var queue in PoisonRequeue.Queues)
            {
                moved += (await requeue.RequeueWhereAsync(
                    text =>
                    {
                        var id = FailureIdOf(text);
                        if (channelId is not null && id.Partition != channelId)
                        {
                            return false;
                        }

                        taken.TryAdd(id, time.GetUtcNow());
                        return true;
                    },
                    int.MaxValue, cancellationToken, queue).ConfigureAwait(false)).RequeuedCount;
            }
        }

        // A failure recorded after the rows were read whose message reached the poison queue before the re-queue looked
        // was re-queued too: its row is read now and closed, unless it records a later failure (the re-queued message
        // failed again meanwhile: FailedAt after the moment it was taken).
        var read = rows.Select(r => (r.PartitionKey, r.RowKey)).ToHashSet();
        foreach (var ((partition, rowKey), takenAt) in taken)
        {
            if (read.Contains((partition, rowKey)))
            {
                continue;
            }

            var late = await Failures.GetEntityIfExistsAsync<TableEntity>(partition, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (late.HasValue && late.Value is { } row && !row.ContainsKey(RequeuedAtColumn) && row.GetDateTimeOffset("FailedAt") is { } failedAt && failedAt <= takenAt)
            {
                rows.Add(row);
            }
        }

        var closed = 0;
        foreach (var row in rows)
        {
            // One failure: closed only when its message was really moved (nothing in a poison queue: it stays listed).
            if (failureId is null ? !taken.ContainsKey((row.PartitionKey, row.RowKey)) : moved == 0)
            {
                continue;
            }

            try
            {
                // The ETag read before the re-queue: a row replaced since (the delivery failed again) stays open.
                var update = new TableEntity(row.PartitionKey, row.RowKey) { [RequeuedAtColumn] = time.GetUtcNow() };
                await Failures.UpdateEntityAsync(update, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                closed++;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
            }
        }

        return new RequeueView(moved, closed);
    }

    /// <summary>The failure row a queued text's failure is recorded under (as <see cref="DeliveryFailures"/> keys it).</summary>
    internal static (string Partition, string RowKey) FailureIdOf(string text)
    {
        string? channel = null, deliveryKey = null, webhookId = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                channel = String(document.RootElement, "channel_id");
                deliveryKey = String(document.RootElement, "delivery_key");
                webhookId = String(document.RootElement, "webhook_id"); // an outbound item (PartnerDelivery's key)
            }
        }
        catch (JsonException)
        {
        }

        deliveryKey = string.IsNullOrEmpty(deliveryKey) && !string.IsNullOrEmpty(webhookId) ? PartnerDelivery.FailureKeyPrefix + webhookId : deliveryKey;
        if (string.IsNullOrEmpty(deliveryKey) && FailureKeys.ImportCheckIds(text) is (not null, { } messageUid))
        {
            deliveryKey = FailureKeys.ImportCheckPrefix + messageUid; // an overdue import check (Enrichment.ImportCheckPoisoning)
        }

        return FailureKeys.RowOf(channel, deliveryKey, text);

        static string? String(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }
}
