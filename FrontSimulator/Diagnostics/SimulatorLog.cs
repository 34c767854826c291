using Microsoft.Extensions.Logging;

namespace FrontSimulator.Diagnostics;

/// <summary>The simulator's log messages. Ids, routes and status codes only: never secrets, tokens or message bodies.</summary>
internal static partial class SimulatorLog
{
    [LoggerMessage(1, LogLevel.Information, "Token rejected on {Route}: {Reason}")]
    public static partial void TokenRejected(ILogger logger, string route, string reason);

    [LoggerMessage(2, LogLevel.Information, "Import {MessageUid} accepted on channel {ChannelId}")]
    public static partial void ImportAccepted(ILogger logger, string messageUid, string channelId);

    [LoggerMessage(3, LogLevel.Information, "Message {MessageId} ({MessageUid}) created in conversation {ConversationId}")]
    public static partial void MessageCreated(ILogger logger, string messageId, string messageUid, string conversationId);

    [LoggerMessage(4, LogLevel.Information, "Notification for {MessageId} attempt {Attempt} answered {Status}")]
    public static partial void NotificationAttempt(ILogger logger, string messageId, int attempt, string status);

    [LoggerMessage(5, LogLevel.Warning, "Notification for {MessageId} abandoned after {Attempts} attempts")]
    public static partial void NotificationAbandoned(ILogger logger, string messageId, int attempts);

    [LoggerMessage(6, LogLevel.Information, "Injected fault {Fault} on {Route}")]
    public static partial void FaultInjected(ILogger logger, string fault, string route);

    [LoggerMessage(7, LogLevel.Information, "Rate limited ({Verdict}) on {Route}")]
    public static partial void RateLimited(ILogger logger, string verdict, string route);

    [LoggerMessage(8, LogLevel.Information, "Conversation {From} merged into {Into}")]
    public static partial void Merged(ILogger logger, string from, string into);

    [LoggerMessage(9, LogLevel.Information, "Channel {ChannelId} registered")]
    public static partial void ChannelRegistered(ILogger logger, string channelId);

    [LoggerMessage(10, LogLevel.Information, "Simulator reset")]
    public static partial void Reset(ILogger logger);

    [LoggerMessage(11, LogLevel.Error, "Background work failed for {MessageUid}")]
    public static partial void BackgroundFailure(ILogger logger, Exception exception, string messageUid);
}
