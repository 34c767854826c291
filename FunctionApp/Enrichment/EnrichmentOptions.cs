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
    /// A notification that Front still fails at the last attempt, after the client's retries, is queued again this much
    /// later as a new message instead of going to the poison queue: always when Front answered 429 (rate limiting is never a
    /// permanent failure), and for 5xx, timeouts and dropped connections while the notification is younger than
    /// <see cref="FrontUnavailableRetryWindow"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Enrichment__RequeueDelay must be between 0 and 1 hour.")]
    public TimeSpan RequeueDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long after its webhook arrived a notification is queued again (every <see cref="RequeueDelay"/>) when Front
    /// keeps answering 5xx, timing out or dropping the connection at its last attempt; older, the failure is recorded and
    /// the message poisoned (re-queueable with the tool). 0 poisons at the first last attempt. A few failed calls in a row
    /// are not an outage: the fault ledger run once saw 429 bursts take four attempts of an idle app's one message and a
    /// 503 the fifth.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00", ErrorMessage = "Enrichment__FrontUnavailableRetryWindow must be between 0 and 7 days.")]
    public TimeSpan FrontUnavailableRetryWindow { get; set; } = TimeSpan.FromHours(1);
}
