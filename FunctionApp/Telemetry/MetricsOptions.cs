using System.ComponentModel.DataAnnotations;

namespace FrontFunctions.Telemetry;

/// <summary>Settings <c>Metrics__…</c>.</summary>
public sealed class MetricsOptions : IValidatableObject
{
    public const string SectionName = "Metrics";

    /// <summary>
    /// How often each instance samples the queues for <c>front.queue.depth</c> / <c>front.queue.oldest_message_age</c>
    /// (default 30 s; <c>00:00:00</c> = never). Each sample costs one Get Queue Properties per queue and one Peek per
    /// non-empty queue: at most 12 storage transactions per instance per interval.
    /// </summary>
    public TimeSpan QueueSampleInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often each instance writes the operator console's counters (per-minute rows and channel counters, table
    /// <c>FrontConsole</c>; default 5 s; <c>00:00:00</c> = never, and the console's charts and counts stay empty). At most
    /// one write per interval while the instance counts something, one a minute when idle, and two per changed channel.
    /// </summary>
    public TimeSpan ConsoleWriteInterval { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (QueueSampleInterval != TimeSpan.Zero && (QueueSampleInterval < TimeSpan.FromSeconds(1) || QueueSampleInterval > TimeSpan.FromHours(1)))
        {
            yield return new ValidationResult(
                $"Metrics:QueueSampleInterval must be 00:00:00 (off) or between 00:00:01 and 01:00:00 (got {QueueSampleInterval}).",
                [nameof(QueueSampleInterval)]);
        }

        if (ConsoleWriteInterval != TimeSpan.Zero && (ConsoleWriteInterval < TimeSpan.FromMilliseconds(100) || ConsoleWriteInterval > TimeSpan.FromMinutes(1)))
        {
            yield return new ValidationResult(
                $"Metrics:ConsoleWriteInterval must be 00:00:00 (off) or between 00:00:00.1 and 00:01:00 (got {ConsoleWriteInterval}).",
                [nameof(ConsoleWriteInterval)]);
        }
    }
}
