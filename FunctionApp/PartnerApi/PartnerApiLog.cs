using Microsoft.Extensions.Logging;

namespace FrontFunctions.PartnerApi;

/// <summary>
/// Every log line of the partner API (conversations and messages by external id), source-generated, in one place:
/// EventIds 8301–8399. Fields carry ids, routes and statuses only: never a token, a body or a comment's text.
/// </summary>
internal static partial class PartnerApiLog
{
    [LoggerMessage(EventId = 8301, EventName = "PartnerApiFrontRefused", Level = LogLevel.Warning,
        Message = "Front answered {Status} to {Route} for channel {ChannelId}; passed on to the partner")]
    public static partial void FrontRefused(ILogger logger, string route, string channelId, int status);

    [LoggerMessage(EventId = 8302, EventName = "PartnerApiFrontUnavailable", Level = LogLevel.Warning,
        Message = "Front did not answer {Route} for channel {ChannelId} ({Reason}); answered 503")]
    public static partial void FrontUnavailable(ILogger logger, string route, string channelId, string reason);

    [LoggerMessage(EventId = 8303, EventName = "PartnerApiStorageUnavailable", Level = LogLevel.Error,
        Message = "Storage unavailable while settling the seen claim of {Route} for channel {ChannelId} ({ErrorType}); the claim row is kept, so the mark is never repeated")]
    public static partial void StorageUnavailable(ILogger logger, Exception exception, string route, string channelId, string errorType);

    [LoggerMessage(EventId = 8304, EventName = "PartnerApiMessageRecorded", Level = LogLevel.Information,
        Message = "Recorded message {MessageId} of conversation {ConversationId} in channel {ChannelId}, which the map did not know (no external id yet)")]
    public static partial void MessageRecorded(ILogger logger, string channelId, string messageId, string conversationId);

    [LoggerMessage(EventId = 8305, EventName = "PartnerApiMessageNotRecorded", Level = LogLevel.Warning,
        Message = "Could not record message {MessageId} of channel {ChannelId} ({ErrorType}); the answer still lists it")]
    public static partial void MessageNotRecorded(ILogger logger, string channelId, string messageId, string errorType);

    [LoggerMessage(EventId = 8306, EventName = "PartnerApiSeenMarked", Level = LogLevel.Information,
        Message = "Marked message {MessageId} of channel {ChannelId} seen in Front")]
    public static partial void SeenMarked(ILogger logger, string channelId, string messageId);

    [LoggerMessage(EventId = 8307, EventName = "PartnerApiSeenClaimReleased", Level = LogLevel.Warning,
        Message = "Front did not take the seen mark of message {MessageId} of channel {ChannelId} ({Status}); the claim is released so a later call tries again")]
    public static partial void SeenClaimReleased(ILogger logger, string channelId, string messageId, string status);

    [LoggerMessage(EventId = 8308, EventName = "PartnerApiConversationUpdated", Level = LogLevel.Information,
        Message = "Updated conversation {ConversationId} of channel {ChannelId} in Front: {Changes}")]
    public static partial void ConversationUpdated(ILogger logger, string channelId, string conversationId, string changes);
}
