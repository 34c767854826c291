using Microsoft.Extensions.Logging;

namespace FrontFunctions.Attachments;

/// <summary>
/// Every log line of the attachment routes (EventIds 8101–8199): ids, sizes and statuses only, never a file's name or bytes.
/// </summary>
internal static partial class AttachmentLog
{
    [LoggerMessage(EventId = 8101, EventName = "AttachmentStreamed", Level = LogLevel.Information,
        Message = "Attachment {Index} of message {MessageId} on channel {ChannelId} streamed: {Bytes} bytes")]
    public static partial void Streamed(ILogger logger, string channelId, string messageId, int index, long bytes);

    [LoggerMessage(EventId = 8102, EventName = "AttachmentRefusedByFront", Level = LogLevel.Warning,
        Message = "Front answered {Status} to {Route} for message {MessageId} on channel {ChannelId}")]
    public static partial void RefusedByFront(ILogger logger, string channelId, string messageId, string route, int status);

    [LoggerMessage(EventId = 8103, EventName = "AttachmentTooLarge", Level = LogLevel.Warning,
        Message = "Attachment {Index} of message {MessageId} on channel {ChannelId} is {Bytes} bytes, over the {Limit}-byte cap")]
    public static partial void TooLarge(ILogger logger, string channelId, string messageId, int index, long bytes, long limit);

    [LoggerMessage(EventId = 8104, EventName = "AttachmentStreamCut", Level = LogLevel.Warning,
        Message = "Attachment {Index} of message {MessageId} on channel {ChannelId} cut off after {Bytes} bytes: {Reason}")]
    public static partial void Cut(ILogger logger, string channelId, string messageId, int index, long bytes, string reason);

    [LoggerMessage(EventId = 8105, EventName = "AttachmentFrontUnreachable", Level = LogLevel.Warning,
        Message = "Front could not be asked for attachment {Index} of message {MessageId} on channel {ChannelId}: {Reason}")]
    public static partial void FrontUnreachable(ILogger logger, string channelId, string messageId, int index, string reason);

    [LoggerMessage(EventId = 8106, EventName = "AttachmentStorageUnavailable", Level = LogLevel.Error,
        Message = "Storage unavailable while resolving an attachment on channel {ChannelId} ({ErrorType}); answered 503")]
    public static partial void StorageUnavailable(ILogger logger, string channelId, string errorType);

    [LoggerMessage(EventId = 8107, EventName = "ImportFormRejected", Level = LogLevel.Information,
        Message = "Multipart import on channel {ChannelId} refused with {Status}: {Problem}")]
    public static partial void FormRejected(ILogger logger, string channelId, int status, string problem);
}
