using Microsoft.Extensions.Logging;

namespace FrontFunctions.Outbound;

/// <summary>
/// Every log line of the two-way channel, source-generated, in one place: EventIds 5001–5099 (answers to Front's
/// <c>message</c> requests, deliveries to the partner); webhooks use 1001–1099, the enrichment 2001–2199, the lookup API
/// 3001–3099, the import API 4001–4199. Fields carry ids and reasons only: never a secret, a signature or a message body.
/// </summary>
internal static partial class OutboundLog
{
    [LoggerMessage(EventId = 5001, EventName = "OutboundAnswered", Level = LogLevel.Information,
        Message = "Answered {RequestType} {MessageId} in conversation {ConversationId} of channel {ChannelId}; queued for the partner as {WebhookId}")]
    public static partial void Answered(ILogger logger, string channelId, string requestType, string? messageId, string conversationId, string webhookId);

    [LoggerMessage(EventId = 5002, EventName = "OutboundRefusedDeleted", Level = LogLevel.Warning,
        Message = "Refused {RequestType} for deleted channel {ChannelId} (410)")]
    public static partial void RefusedDeleted(ILogger logger, string channelId, string requestType);

    [LoggerMessage(EventId = 5003, EventName = "PartnerDelivered", Level = LogLevel.Information,
        Message = "Delivered {WebhookId} of channel {ChannelId} to the partner ({Status}, attempt {DequeueCount})")]
    public static partial void Delivered(ILogger logger, string channelId, string webhookId, int status, long dequeueCount);

    [LoggerMessage(EventId = 5004, EventName = "PartnerDeliveryFailed", Level = LogLevel.Error,
        Message = "Delivery of {WebhookId} of channel {ChannelId} failed: {Reason} (attempt {DequeueCount}, permanent {Permanent})")]
    public static partial void Failed(ILogger logger, string channelId, string webhookId, string reason, long dequeueCount, bool permanent);

    [LoggerMessage(EventId = 5005, EventName = "OutboundMalformed", Level = LogLevel.Error,
        Message = "An outbound queue message could not be read: {Problem}; recorded and sent to the poison queue")]
    public static partial void Malformed(ILogger logger, string problem);

    [LoggerMessage(EventId = 5006, EventName = "PartnerDeliveryRequeued", Level = LogLevel.Warning,
        Message = "Delivery of {WebhookId} of channel {ChannelId} failed ({Reason}); queued again, next attempt in {DelaySeconds} s (re-queue {Requeues})")]
    public static partial void Requeued(ILogger logger, string channelId, string webhookId, string reason, double delaySeconds, int requeues);

    [LoggerMessage(EventId = 5007, EventName = "PartnerDeliveryGivenUp", Level = LogLevel.Error,
        Message = "Gave up delivering {WebhookId} of channel {ChannelId}: {Reason}")]
    public static partial void GivenUp(ILogger logger, string channelId, string webhookId, string reason);

    [LoggerMessage(EventId = 5008, EventName = "FrontToldMessageFailed", Level = LogLevel.Information,
        Message = "Front was told message {ExternalId} of channel {ChannelId} failed")]
    public static partial void FrontTold(ILogger logger, string channelId, string externalId);

    [LoggerMessage(EventId = 5009, EventName = "FrontNotToldMessageFailed", Level = LogLevel.Error,
        Message = "Front could not be told message {ExternalId} of channel {ChannelId} failed: {Reason}")]
    public static partial void FrontNotTold(ILogger logger, string channelId, string externalId, string reason);

    [LoggerMessage(EventId = 5010, EventName = "PartnerHealthNotRecorded", Level = LogLevel.Warning,
        Message = "The partner state of channel {ChannelId} could not be updated ({ErrorType})")]
    public static partial void HealthNotRecorded(ILogger logger, string channelId, string errorType);

    [LoggerMessage(EventId = 5011, EventName = "PartnerReportedFailure", Level = LogLevel.Information,
        Message = "The partner reported message {ExternalId} of channel {ChannelId} failed; Front answered {Outcome}")]
    public static partial void PartnerReported(ILogger logger, string channelId, string externalId, string outcome);
}
