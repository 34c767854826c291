using Microsoft.Extensions.Logging;

namespace FrontFunctions.Enrichment;

/// <summary>
/// Every log line of the enrichment, source-generated, in one place: EventIds 2001–2099 for a queue message's processing
/// (<see cref="IngestProcessor"/>), 2101–2199 for what the enricher learns from Front (<see cref="NotificationEnricher"/>);
/// webhooks use 1001–1099, the lookup API 3001–3099. Each line is logged under its caller's category. Fields carry ids
/// and reasons only: never a secret, a token or a message body.
/// </summary>
internal static partial class EnrichmentLog
{
    [LoggerMessage(EventId = 2001, EventName = "Enriched", Level = LogLevel.Information,
        Message = "Mapped message {MessageId} of channel {ChannelId} to conversation {ConversationId} (has an external id: {HasExternalId}; Front calls for what the notification lacked: {FrontCalls}; attempt {DequeueCount}).")]
    public static partial void Enriched(ILogger logger, string channelId, string messageId, string conversationId, bool hasExternalId, int frontCalls, long dequeueCount);

    [LoggerMessage(EventId = 2002, EventName = "Permanent", Level = LogLevel.Error,
        Message = "Message {MessageId} of channel {ChannelId} cannot be mapped: {Reason} (attempt {DequeueCount}); recorded and sent to the poison queue.")]
    public static partial void Permanent(ILogger logger, string channelId, string messageId, string reason, long dequeueCount);

    [LoggerMessage(EventId = 2003, EventName = "Malformed", Level = LogLevel.Error,
        Message = "An ingest queue message could not be read: {Problem} (attempt {DequeueCount}); recorded and sent to the poison queue.")]
    public static partial void Malformed(ILogger logger, string problem, long dequeueCount);

    [LoggerMessage(EventId = 2004, EventName = "Transient", Level = LogLevel.Warning,
        Message = "Mapping message {MessageId} of channel {ChannelId} failed for now: {Reason} (attempt {DequeueCount} of {MaxDequeueCount}).")]
    public static partial void Transient(ILogger logger, string channelId, string messageId, string reason, long dequeueCount, int maxDequeueCount);

    [LoggerMessage(EventId = 2005, EventName = "EnvelopeBlobMissing", Level = LogLevel.Warning,
        Message = "The envelope blob of message {MessageId} of channel {ChannelId} is gone; enriching from the queue message alone.")]
    public static partial void EnvelopeBlobMissing(ILogger logger, string channelId, string messageId);

    [LoggerMessage(EventId = 2006, EventName = "FailureNotRecorded", Level = LogLevel.Error,
        Message = "The failure of message {MessageId} of channel {ChannelId} could not be recorded ({ErrorType}); it goes to the poison queue without a reason row.")]
    public static partial void FailureNotRecorded(ILogger logger, string channelId, string messageId, string errorType);

    [LoggerMessage(EventId = 2007, EventName = "PayloadNotDeleted", Level = LogLevel.Warning,
        Message = "The envelope blob of message {MessageId} of channel {ChannelId} could not be deleted ({ErrorType}); the storage lifecycle rule will remove it.")]
    public static partial void PayloadNotDeleted(ILogger logger, string channelId, string messageId, string errorType);

    [LoggerMessage(EventId = 2008, EventName = "FrontFailureRequeued", Level = LogLevel.Warning,
        Message = "Message {MessageId} of channel {ChannelId} still failed at attempt {DequeueCount} ({Reason}); Front is rate limiting or unavailable, so it was queued again to retry in {DelaySeconds} s instead of the poison queue.")]
    public static partial void FrontFailureRequeued(ILogger logger, string channelId, string messageId, string reason, long dequeueCount, double delaySeconds);

    [LoggerMessage(EventId = 2051, EventName = "ReplayDropped", Level = LogLevel.Warning,
        Message = "Dropped message_imported {MessageId} for channel {ChannelId} ({DeliveryKey}): its signature was already used for another request (a replay); nothing written")]
    public static partial void ReplayDropped(ILogger logger, string channelId, string messageId, string deliveryKey);

    [LoggerMessage(EventId = 2101, EventName = "NoExternalId", Level = LogLevel.Warning,
        Message = "Front returned message {MessageId} of channel {ChannelId} without an external id; it is mapped by Front id only.")]
    public static partial void NoExternalId(ILogger logger, string channelId, string messageId);

    [LoggerMessage(EventId = 2102, EventName = "UnresolvedClaims", Level = LogLevel.Warning,
        Message = "Conversation {ConversationId} of channel {ChannelId}: {Count} other conversation(s) still hold some of its external ids and Front did not report a merge; the existing mapping is kept.")]
    public static partial void UnresolvedClaims(ILogger logger, string channelId, string conversationId, int count);

    [LoggerMessage(EventId = 2103, EventName = "SettleRefused", Level = LogLevel.Warning,
        Message = "Conversation {ConversationId} of channel {ChannelId} could not be read from Front to settle a conflicting claim (status {StatusCode}); the existing mapping is kept.")]
    public static partial void SettleRefused(ILogger logger, string channelId, string conversationId, int? statusCode);
}
