using Microsoft.Extensions.Logging;

namespace FrontFunctions.Imports;

/// <summary>
/// Every log line of the import API, source-generated, in one place: EventIds 4001–4099 for an import request
/// (<see cref="ImportService"/>), 4101–4199 for the overdue check (<see cref="ImportCheck"/>); webhooks use 1001–1099, the
/// enrichment 2001–2199, the lookup API 3001–3099. Fields carry ids and statuses only: never a secret, a token or a body.
/// </summary>
internal static partial class ImportLog
{
    [LoggerMessage(EventId = 4001, EventName = "Accepted", Level = LogLevel.Information, Message = "Import {MessageUid} accepted by Front for channel {ChannelId} (inbound: {Inbound}).")]
    public static partial void Accepted(ILogger logger, string channelId, string messageUid, bool inbound);

    [LoggerMessage(EventId = 4002, EventName = "Repeated", Level = LogLevel.Information, Message = "Repeated import in channel {ChannelId} answered from the first one ({MessageUid}, {Status}); Front not called.")]
    public static partial void Repeated(ILogger logger, string channelId, string? messageUid, string status);

    [LoggerMessage(EventId = 4003, EventName = "FrontUnavailable", Level = LogLevel.Warning, Message = "Front did not accept an import for channel {ChannelId} after retries (status {StatusCode}); nothing recorded.")]
    public static partial void FrontUnavailable(ILogger logger, string channelId, int? statusCode);

    [LoggerMessage(EventId = 4004, EventName = "FrontRefused", Level = LogLevel.Warning, Message = "Front refused an import for channel {ChannelId} (status {StatusCode}); recorded as failed.")]
    public static partial void FrontRefused(ILogger logger, string channelId, int? statusCode);

    [LoggerMessage(EventId = 4005, EventName = "StorageUnavailable", Level = LogLevel.Error, Message = "Storage unavailable during an import for channel {ChannelId} ({ErrorType}); answered 503.")]
    public static partial void StorageUnavailable(ILogger logger, string channelId, string errorType);

    [LoggerMessage(EventId = 4006, EventName = "ReservationKept", Level = LogLevel.Warning, Message = "An import reservation in channel {ChannelId} could not be removed ({ErrorType}); its lease will free it.")]
    public static partial void ReservationKept(ILogger logger, string channelId, string errorType);

    [LoggerMessage(EventId = 4007, EventName = "CheckNotScheduled", Level = LogLevel.Warning, Message = "The overdue check of import {MessageUid} in channel {ChannelId} could not be queued ({ErrorType}); the partner's repeat of the import queues it.")]
    public static partial void CheckNotScheduled(ILogger logger, string channelId, string messageUid, string errorType);

    [LoggerMessage(EventId = 4008, EventName = "OutcomeUnknown", Level = LogLevel.Warning, Message = "Front's answer to an import for channel {ChannelId} was lost (status {StatusCode}); recorded as unknown, not sent again.")]
    public static partial void OutcomeUnknown(ILogger logger, string channelId, int? statusCode);

    [LoggerMessage(EventId = 4009, EventName = "CheckScheduledOnRepeat", Level = LogLevel.Information, Message = "A repeat of import {MessageUid} in channel {ChannelId} queued its missing overdue check.")]
    public static partial void CheckScheduledOnRepeat(ILogger logger, string channelId, string messageUid);

    [LoggerMessage(EventId = 4010, EventName = "SentAgain", Level = LogLevel.Warning, Message = "An operator sent the unknown import of channel {ChannelId} again (answer {StatusCode}).")]
    public static partial void SentAgain(ILogger logger, string channelId, int statusCode);

    [LoggerMessage(EventId = 4101, EventName = "Unreadable", Level = LogLevel.Error, Message = "An import check queue message could not be read; dropped.")]
    public static partial void Unreadable(ILogger logger);

    [LoggerMessage(EventId = 4102, EventName = "NotOverdue", Level = LogLevel.Debug, Message = "Import {MessageUid} of channel {ChannelId} is {Status}: no lookup needed.")]
    public static partial void NotOverdue(ILogger logger, string channelId, string messageUid, string status);

    [LoggerMessage(EventId = 4103, EventName = "Failed", Level = LogLevel.Warning, Message = "Import {MessageUid} of channel {ChannelId} was overdue and Front refused the lookup (status {StatusCode}): marked failed.")]
    public static partial void Failed(ILogger logger, string channelId, string messageUid, int? statusCode);

    [LoggerMessage(EventId = 4104, EventName = "ResolvedByLookup", Level = LogLevel.Information, Message = "Import {MessageUid} of channel {ChannelId} was overdue; found by alt:uid as {MessageId} and mapped.")]
    public static partial void ResolvedByLookup(ILogger logger, string channelId, string messageUid, string messageId);
}
