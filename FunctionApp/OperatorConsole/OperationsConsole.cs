using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.Front;
using FrontFunctions.Outbound;
using FrontFunctions.Telemetry;
using FrontFunctions.Storage;
using FrontFunctions.Failures;

namespace FrontFunctions.OperatorConsole;

/// <summary>
/// What the operator console shows and does, read from the app's own storage by key (never a scan that grows with the map or
/// the failures): the channel table, each channel's counter row and newest failure (<see cref="ConsoleStatsRows"/>,
/// <see cref="FailureIndex"/>), the queues, the last hour's minute rows (<see cref="ConsoleCharts"/>), the open failures
/// (<see cref="OpenFailures"/>) and this instance's Front rate gate. Re-queueing is <see cref="ConsoleRequeue"/>'s.
/// </summary>
public sealed class OperationsConsole(
    TableServiceClient tables,
    QueueServiceClient queues,
    PoisonRequeue requeue,
    FrontRateGate gate,
    TimeProvider time,
    PartnerHealth partners,
    FailureIndex failureIndex)
{
    /// <summary>At most this many failures are listed (newest first); the answer says when there are more.</summary>
    public const int MaxFailures = 500;

    private const string ChannelPartition = "channel"; // ChannelRegistry's partition

    private readonly OpenFailures _open = new(tables, failureIndex, time);
    private readonly ConsoleCharts _charts = new(tables, time);
    private ConsoleRequeue Requeuer => new(tables, requeue, _open, time);

    private TableClient Channels => tables.GetTableClient(StorageNames.ChannelsTable);
    private TableClient Stats => tables.GetTableClient(StorageNames.ConsoleTable);

    public async Task<ChannelsView> ChannelsAsync(CancellationToken cancellationToken)
    {
        var counters = await ChannelCountersAsync(cancellationToken).ConfigureAwait(false);
        var channels = new List<ChannelView>();
        await foreach (var row in Channels.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {ChannelPartition}"), select: ["RowKey", "Status", "AuthorizedAt", "DeletedAt"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var (mapped, lastMapped) = counters.GetValueOrDefault(row.RowKey);
            var lastFailure = await failureIndex.LastFailedAtAsync(row.RowKey, cancellationToken).ConfigureAwait(false);
            channels.Add(new ChannelView(
                row.RowKey,
                row.GetString("Status") ?? "Active",
                row.GetDateTimeOffset("AuthorizedAt"),
                row.GetDateTimeOffset("DeletedAt"),
                (int)Math.Min(mapped, int.MaxValue),
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
        var mappedLastHour = ConsoleCharts.MappedLastHour(await _charts.LastHourAsync(cancellationToken).ConfigureAwait(false));
        return new PipelineView(now, queueViews, mappedLastHour, gate.Snapshot(), await partners.ListAsync(cancellationToken).ConfigureAwait(false));
    }

    public async Task<FailuresView> FailuresAsync(string? channelId, CancellationToken cancellationToken)
    {
        return await _open.PageAsync(channelId, MaxFailures, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc cref="ConsoleRequeue.RequeueAsync"/>
    public Task<RequeueView?> RequeueAsync(string? channelId, string? failureId, CancellationToken cancellationToken) =>
        Requeuer.RequeueAsync(channelId, failureId, cancellationToken);

    /// <inheritdoc cref="ConsoleCharts.LastHourAsync"/>
    public Task<ChartsView> ChartsAsync(CancellationToken cancellationToken) => _charts.LastHourAsync(cancellationToken);

    /// <summary>Every channel's counter row (one partition: a row per channel that ever had a message).</summary>
    private async Task<Dictionary<string, (long Messages, DateTimeOffset? LastStoredAt)>> ChannelCountersAsync(CancellationToken cancellationToken)
    {
        var counters = new Dictionary<string, (long, DateTimeOffset?)>(StringComparer.Ordinal);
        try
        {
            await foreach (var row in Stats.QueryAsync<TableEntity>(
                TableClient.CreateQueryFilter($"PartitionKey eq {ConsoleStatsRows.ChannelsPartition}"),
                select: ["RowKey", ConsoleStatsRows.MessagesColumn, ConsoleStatsRows.LastStoredAtColumn], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                counters[row.RowKey] = (row.GetInt64(ConsoleStatsRows.MessagesColumn) ?? 0, row.GetDateTimeOffset(ConsoleStatsRows.LastStoredAtColumn));
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }

        return counters;
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
