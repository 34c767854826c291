using System.ComponentModel.DataAnnotations;

namespace FrontFunctions.Enrichment;

/// <summary>How enrichment decides what to fetch from Front; section <c>Enrichment</c> (<c>Enrichment__ConversationCacheTtl</c> …).</summary>
public sealed class EnrichmentOptions
{
    public const string SectionName = "Enrichment";

    /// <summary>
    /// How long a conversation fetched from Front is reused from memory. Concurrent work on one conversation always shares
    /// one in-flight call; this keeps the answer for a little longer so a burst of messages costs one call.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Enrichment__ConversationCacheTtl must be between 0 and 1 hour.")]
    public TimeSpan ConversationCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When a notification carries no external conversation ids, the id map's list is trusted for this long after it was
    /// last confirmed (by a notification or by Front); older, it is refreshed with <c>GET /conversations/{id}</c>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00", ErrorMessage = "Enrichment__ConversationRefreshInterval must be between 1 second and 30 days.")]
    public TimeSpan ConversationRefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The queue trigger's <c>maxDequeueCount</c> (host.json <c>extensions.queues.maxDequeueCount</c>, default 5): at that
    /// attempt a transient failure is recorded before the host moves the message to the poison queue. Taken from
    /// <c>AzureFunctionsJobHost__extensions__queues__maxDequeueCount</c> when that is set.
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Enrichment__MaxDequeueCount must be between 1 and 1000.")]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>
    /// A notification still rate limited by Front (429 after the client's retries) at the last attempt is queued again, this
    /// much later, as a new message instead of going to the poison queue: rate limiting is never a permanent failure.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Enrichment__RateLimitedRequeueDelay must be between 0 and 1 hour.")]
    public TimeSpan RateLimitedRequeueDelay { get; set; } = TimeSpan.FromMinutes(1);
}
