using System.Collections.Concurrent;
using FrontFunctions.Storage;

namespace FrontFunctions.Telemetry;

/// <summary>
/// The latest sample of each queue (<see cref="QueueSampler"/> writes it, the observable gauges of <see cref="FrontMetrics"/>
/// read it): depth and the insertion time of the first visible message. A queue not sampled yet reports nothing.
/// </summary>
public sealed class QueueSnapshot
{
    /// <summary>The queues sampled: the three work queues and their poison queues.</summary>
    public static readonly IReadOnlyList<string> Queues =
    [
        StorageNames.IngestQueue, StorageNames.IngestPoisonQueue,
        StorageNames.OutboundQueue, StorageNames.OutboundPoisonQueue,
        StorageNames.ImportCheckQueue, StorageNames.ImportCheckPoisonQueue,
    ];

    private readonly ConcurrentDictionary<string, (long Depth, DateTimeOffset? OldestInsertedAt)> _samples = new(StringComparer.Ordinal);

    public void Record(string queue, long depth, DateTimeOffset? oldestInsertedAt) => _samples[queue] = (depth, oldestInsertedAt);

    public (long Depth, DateTimeOffset? OldestInsertedAt)? Get(string queue) => _samples.TryGetValue(queue, out var sample) ? sample : null;

    internal IEnumerable<System.Diagnostics.Metrics.Measurement<long>> Depths() =>
        _samples.Select(s => new System.Diagnostics.Metrics.Measurement<long>(s.Value.Depth, new KeyValuePair<string, object?>("queue", s.Key)));

    internal IEnumerable<System.Diagnostics.Metrics.Measurement<double>> OldestAges(DateTimeOffset now) =>
        _samples.Select(s => new System.Diagnostics.Metrics.Measurement<double>(
            s.Value.OldestInsertedAt is { } inserted ? Math.Max(0, (now - inserted).TotalSeconds) : 0,
            new KeyValuePair<string, object?>("queue", s.Key)));
}
