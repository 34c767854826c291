using Microsoft.Extensions.Logging;

namespace FrontFunctions.Lookup;

/// <summary>Every log line of the lookup API, source-generated, in one place (EventIds 3001–3099).</summary>
internal static partial class LookupLog
{
    [LoggerMessage(EventId = 3001, EventName = "LookupStorageUnavailable", Level = LogLevel.Error,
        Message = "Storage unavailable while looking up a {Resource} in channel {ChannelId} ({ErrorType}); answered 503")]
    public static partial void StorageUnavailable(ILogger logger, Exception exception, string resource, string channelId, string errorType);
}
