using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Telemetry;

/// <summary>
/// A background service (in the worker and the local host) that samples each queue of <see cref="QueueSnapshot.Queues"/>
/// every <see cref="MetricsOptions.QueueSampleInterval"/>: the approximate message count (Get Queue Properties) and, when
/// the queue is not empty, the insertion time of the first visible message (one Peek). Storage cost is bounded: at most
/// 2 × 6 transactions per instance per interval (30 s default: ≤ 35,000 a day per running instance, a few cents), and
/// nothing while the app is scaled to zero. A missing queue counts as empty; a failed sample keeps the previous one.
/// </summary>
public sealed class QueueSampler(
    QueueServiceClient queues, QueueSnapshot snapshot, IOptions<MetricsOptions> options, TimeProvider time, ILogger<QueueSampler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.QueueSampleInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        do
        {
            await SampleOnceAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Samples every queue once (also called by tests).</summary>
    public async Task SampleOnceAsync(CancellationToken cancellationToken)
    {
        foreach (var name in QueueSnapshot.Queues)
        {
            try
            {
                var queue = queues.GetQueueClient(name);
                var depth = (long)(await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount;
                DateTimeOffset? oldest = null;
                if (depth > 0)
                {
                    var peeked = (await queue.PeekMessagesAsync(1, cancellationToken).ConfigureAwait(false)).Value;
                    oldest = peeked.Length > 0 ? peeked[0].InsertedOn : null;
                }

                snapshot.Record(name, depth, oldest);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                snapshot.Record(name, 0, null); // not created yet: nothing waits there
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                TelemetryLog.QueueSampleFailed(logger, name, e.GetType().Name);
            }
        }
    }
}
