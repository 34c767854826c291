using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.Front;
using FrontFunctions.IdMap;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using FrontFunctions.Failures;

namespace FrontFunctions.OperatorConsole;

/// <summary>
/// What the operator console shows and does, read from the app's own storage: the channel table, the id map, the ingest and
/// poison queues, the failures table and this instance's Front rate gate. Re-queueing goes through
/// <see cref="PoisonRequeue"/>, the code <c>tools/RequeuePoison</c> runs.
/// <para>
/// The failures list is the <c>FrontDeliveryFailures</c> rows still open: a row is closed when the console re-queued its
/// delivery (<c>RequeuedAt</c>, written with the ETag read before the re-queue, so a row replaced by a new failure in between
/// stays open) or when its message is in the id map (mapped since, e.g. after a re-queue by the CLI). A new failure of the
/// same delivery replaces the row, which opens it again.
/// </para>
/// </summary>
public sealed class OperationsConsole(
    TableServiceClient tables,
    QueueServiceClient queues,
    PoisonRequeue requeue,
    FrontRateGate gate,
    TimeProvider time,
    PartnerHealth partners)
{
    /// <summary>At most this many failures are listed (the oldest first within a channel); the answer says when there are more.</summary>
    public const int MaxFailures = 500;

    private const string ChannelPartition = "channel"; // ChannelRegistry's partition
    private const string RequeuedAtColumn = "RequeuedAt";
    private const string FrontMessagePrefix = IdMapKeys.FrontMessagePrefix;
    private static readonly string FrontMessagePrefixEnd = FrontMessagePrefix[..^1] + (char)(FrontMessagePrefix[^1] + 1);

    private TableClient Channels => tables.GetTableClient(StorageNames.ChannelsTable);
    private TableClient Map => tables.GetTableClient(StorageNames.IdMapTable);
    private TableClient Failures => tables.GetTableClient(StorageNames.FailuresTable);

    public async Task<ChannelsView> ChannelsAsync(CancellationToken cancellationToken)
    {
        var channels = new List<ChannelView>();
        await foreach (var row in Channels.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {ChannelPartition}"), select: ["RowKey", "Status", "AuthorizedAt", "DeletedAt"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var (mapped, lastMapped) = await MappedMessagesAsync(row.RowKey, cancellationToken).ConfigureAwait(false);
            var lastFailure = await LastFailureAsync(row.RowKey, cancellationToken).ConfigureAwait(false);
            channels.Add(new ChannelView(
                row.RowKey,
                row.GetString("Status") ?? "Active",
                row.GetDateTimeOffset("AuthorizedAt"),
                row.GetDateTimeOffset("DeletedAt"),
                mapped,
                lastMapped,
                lastFailure,
                Max(lastMapped, lastFailure)));
        }

        return new ChannelsView(channels);
    }

    /// <summary>Every queue the app writes, with its poison queue, in the order the pipeline runs.</summary>
    private static readonly string[] PipelineQueues =
    [
        StorageNames.IngestQueue, StorageNames.IngestPoisonQueue,
        StorageNames.ImportCheckQueue, StorageNames.ImportCheckPoisonQueue,
        StorageNames.OutboundQueue, StorageNames.OutboundPoisonQueue,
    ];

    public async Task<PipelineView> PipelineAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var queueViews = await Task.WhenAll(PipelineQueues.Select(name => QueueAsync(name, now, cancellationToken))).ConfigureAwait(false);
        var since = now.AddHours(-1);
        var mappedLastHour = 0;
        await foreach (var _ in Map.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"RowKey ge {FrontMessagePrefix} and RowKey lt {FrontMessagePrefixEnd} and Timestamp ge {since}"),
            select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            mappedLastHour++;
        }

        return new PipelineView(now, queueViews, mappedLastHour, gate.Snapshot(), await partners.ListAsync(cancellationToken).ConfigureAwait(false));
    }

    public async Task<FailuresView> FailuresAsync(string? channelId, CancellationToken cancellationToken)
    {
        var failures = new List<FailureView>();
        var truncated = false;
        await foreach (var row in OpenFailureRowsAsync(channelId, cancellationToken).ConfigureAwait(false))
        {
            if (failures.Count == MaxFailures)
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
            await foreach (var row in OpenFailureRowsAsync(channelId, cancellationToken).ConfigureAwait(false))
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

    private async IAsyncEnumerable<TableEntity> OpenFailureRowsAsync(
        string? channelId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var rows = channelId is null
            ? Failures.QueryAsync<TableEntity>(cancellationToken: cancellationToken)
            : Failures.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {channelId}"), cancellationToken: cancellationToken);
        await foreach (var row in rows.ConfigureAwait(false))
        {
            if (row.ContainsKey(RequeuedAtColumn) || await MappedSinceAsync(row, cancellationToken).ConfigureAwait(false))
            {
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
            || failure.RowKey.StartsWith(TableKeyEncoding.Encode(PartnerDelivery.FailureKeyPrefix), StringComparison.Ordinal))
        {
            return false;
        }

        var row = await Map.GetEntityIfExistsAsync<TableEntity>(
            failure.PartitionKey, IdMapKeys.FrontMessage(messageId), select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue;
    }

    private async Task<(int Count, DateTimeOffset? Last)> MappedMessagesAsync(string channelId, CancellationToken cancellationToken)
    {
        var count = 0;
        DateTimeOffset? last = null;
        await foreach (var row in Map.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {channelId} and RowKey ge {FrontMessagePrefix} and RowKey lt {FrontMessagePrefixEnd}"),
            select: ["RowKey", "Timestamp"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            count++;
            last = Max(last, row.Timestamp);
        }

        return (count, last);
    }

    private async Task<DateTimeOffset?> LastFailureAsync(string channelId, CancellationToken cancellationToken)
    {
        DateTimeOffset? last = null;
        await foreach (var row in Failures.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {channelId}"), select: ["FailedAt"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            last = Max(last, row.GetDateTimeOffset("FailedAt"));
        }

        return last;
    }

    private async Task<QueueView> QueueAsync(string name, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var queue = queues.GetQueueClient(name);
        try
        {
            var properties = await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
            var oldest = (await queue.PeekMessagesAsync(1, cancellationToken).ConfigureAwait(false)).Value.FirstOrDefault()?.InsertedOn;
            return new QueueView(name, true, properties.Value.ApproximateMessagesCount, oldest,
                oldest is { } at ? Math.Max(0, Math.Round((now - at).TotalSeconds, 1)) : null);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return new QueueView(name, false, 0, null, null);
        }
    }

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
