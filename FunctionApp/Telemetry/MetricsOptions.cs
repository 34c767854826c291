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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (QueueSampleInterval != TimeSpan.Zero && (QueueSampleInterval < TimeSpan.FromSeconds(1) || QueueSampleInterval > TimeSpan.FromHours(1)))
        {
            yield return new ValidationResult(
                $"Metrics:QueueSampleInterval must be 00:00:00 (off) or between 00:00:01 and 01:00:00 (got {QueueSampleInterval}).",
                [nameof(QueueSampleInterval)]);
        }
    }
}
