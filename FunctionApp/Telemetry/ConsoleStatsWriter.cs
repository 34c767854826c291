using Azure;
using Azure.Data.Tables;
using FrontFunctions.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Telemetry;

/// <summary>
/// A background service (in the worker and the local host) that writes what <see cref="MinuteTally"/> counted to table
/// <c>FrontConsole</c> every <see cref="MetricsOptions.ConsoleWriteInterval"/> (and once more on shutdown): this instance's
/// row for each minute with new counts (replaced: this instance alone writes it) — the current minute's with the queue
/// gauges <see cref="QueueSampler"/> last sampled, at least once a minute — and each channel's new message rows, added to
/// the channel's counter row with its ETag (a lost race reads and adds again). Cost: one write per interval while the
/// instance counts something, one a minute when idle, plus one read and one write per channel that changed.
/// </summary>
public sealed class ConsoleStatsWriter(
    TableServiceClient tables, MinuteTally tally, QueueSnapshot queues, IOptions<MetricsOptions> options, TimeProvider time,
    ILogger<ConsoleStatsWriter> logger) : BackgroundService
{
    /// <summary>This process's name in its minute rows (a new process, a new name: rows are never shared, so plain upserts).</summary>
    public string Instance { get; } = Guid.NewGuid().ToString("N")[..12];

    private TableClient Table => tables.GetTableClient(StorageNames.ConsoleTable);
    private long _gaugedMinute = -1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.ConsoleWriteInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await WriteOnceAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (options.Value.ConsoleWriteInterval > TimeSpan.Zero)
        {
            await WriteOnceAsync(cancellationToken).ConfigureAwait(false); // what the last interval counted
        }
    }

    /// <summary>Writes what was counted since the last write (also called by tests and benchmarks).</summary>
    public async Task WriteOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var current = MinuteTally.MinuteOf(now);
        var (minutes, channels) = tally.Take();
        try
        {
            var rows = minutes.ToList();
            if (rows.All(r => r.Minute != current) && _gaugedMinute != current && QueueSnapshot.Queues.Any(q => queues.Get(q) is not null))
            {
                rows.Add(new MinuteRow(current, new long[Enum.GetValues<MinuteSeries>().Length], new Dictionary<string, (long, long)>()));
            }

            foreach (var row in rows)
            {
                try
                {
                    var entity = ConsoleStatsRows.MinuteEntity(row, Instance, row.Minute == current ? queues : null, now);
                    await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                    _gaugedMinute = row.Minute == current ? current : _gaugedMinute;
                }
                catch (Exception)
                {
                    tally.Return(row.Minute);
                    throw;
                }
            }
        }
        catch (Exception e) when (Unwritten(e, cancellationToken))
        {
            TelemetryLog.ConsoleStatsWriteFailed(logger, e.GetType().Name);
        }

        foreach (var (channelId, delta) in channels)
        {
            try
            {
                await AddAsync(channelId, delta, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                tally.Return(channelId, delta);
                if (!Unwritten(e, cancellationToken))
                {
                    throw; // stopping: the counts are back in the tally
                }

                TelemetryLog.ConsoleStatsWriteFailed(logger, e.GetType().Name);
            }
        }
    }

    /// <summary>
    /// Any failure but this service being stopped: storage refusing or timing out (the SDK's retries end in an
    /// <see cref="AggregateException"/>), or anything else. The counts are kept for the next write; a background service
    /// that threw would stop the whole host (<c>BackgroundServiceExceptionBehavior.StopHost</c>), as the soak run found.
    /// </summary>
    private static bool Unwritten(Exception e, CancellationToken cancellationToken) =>
        e is not OperationCanceledException || !cancellationToken.IsCancellationRequested;

    private async Task AddAsync(string channelId, ChannelDelta delta, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var found = await Table.GetEntityIfExistsAsync<TableEntity>(ConsoleStatsRows.ChannelsPartition, channelId, cancellationToken: cancellationToken).ConfigureAwait(false);
            var row = found.HasValue && found.Value is { } existing ? existing : null;
            var last = row?.GetDateTimeOffset(ConsoleStatsRows.LastStoredAtColumn);
            var entity = new TableEntity(ConsoleStatsRows.ChannelsPartition, channelId)
            {
                [ConsoleStatsRows.MessagesColumn] = (row?.GetInt64(ConsoleStatsRows.MessagesColumn) ?? 0) + delta.Messages,
                [ConsoleStatsRows.LastStoredAtColumn] = last is null || delta.LastStoredAt > last ? delta.LastStoredAt : last,
            };
            try
            {
                if (row is null)
                {
                    await Table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await Table.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412 && attempt < 20)
            {
                // Another instance added to it first: read it again.
            }
        }
    }
}
