using FrontFunctions.Front;
using Microsoft.Extensions.Logging;
using FrontFunctions.Ingest;

namespace FrontFunctions.Webhooks;

/// <summary>
/// Every log line of the webhooks, source-generated, in one place (EventIds 1001–1099; enrichment uses 2001–2199, the
/// lookup API 3001–3099). Fields carry ids and reasons only: never a secret, a signature or a message body.
/// </summary>
internal static partial class WebhookLog
{
    [LoggerMessage(EventId = 1001, EventName = "WebhookSignatureRejected", Level = LogLevel.Warning,
        Message = "Rejected {Method} webhook for channel {ChannelId}: signature {Check}")]
    public static partial void SignatureRejected(ILogger logger, string method, string? channelId, SignatureCheck check);

    [LoggerMessage(EventId = 1002, EventName = "WebhookBodyRejected", Level = LogLevel.Warning,
        Message = "Rejected {Method} webhook for channel {ChannelId}: {Problem}")]
    public static partial void BodyRejected(ILogger logger, string method, string? channelId, string problem);

    [LoggerMessage(EventId = 1004, EventName = "ChannelAuthorized", Level = LogLevel.Information,
        Message = "Channel {ChannelId} authorized")]
    public static partial void Authorized(ILogger logger, string channelId);

    [LoggerMessage(EventId = 1005, EventName = "ChannelDeleted", Level = LogLevel.Information,
        Message = "Channel {ChannelId} marked deleted")]
    public static partial void Deleted(ILogger logger, string channelId);

    [LoggerMessage(EventId = 1006, EventName = "MessageImportedQueued", Level = LogLevel.Information,
        Message = "Queued message_imported {MessageId} for channel {ChannelId} as {DeliveryKey}")]
    public static partial void Queued(ILogger logger, string channelId, string messageId, string deliveryKey);

    [LoggerMessage(EventId = 1051, EventName = "WebhookReplayRefused", Level = LogLevel.Warning,
        Message = "Refused {RequestType} for channel {ChannelId}: its signature was already used for another request (a replay); nothing changed")]
    public static partial void ReplayRefused(ILogger logger, string requestType, string channelId);

    [LoggerMessage(EventId = 1052, EventName = "ChannelDeleteRefused", Level = LogLevel.Warning,
        Message = "Refused DELETE of channel {ChannelId}: Front still answers for the channel; not marked deleted")]
    public static partial void DeleteRefusedChannelAlive(ILogger logger, string channelId);

    [LoggerMessage(EventId = 1053, EventName = "ChannelDeleteUnconfirmed", Level = LogLevel.Warning,
        Message = "Channel {ChannelId}: Front could not be asked whether the channel is gone; marked deleted on the signed DELETE alone")]
    public static partial void DeleteUnconfirmed(ILogger logger, string channelId);

    [LoggerMessage(EventId = 1054, EventName = "AuthorizationOlderThanDelete", Level = LogLevel.Warning,
        Message = "Refused authorization of channel {ChannelId}: signed before the channel was deleted here; nothing changed")]
    public static partial void AuthorizationOlderThanDelete(ILogger logger, string channelId);
}
