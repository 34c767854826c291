using Microsoft.Extensions.Logging;

namespace FrontFunctions.Storage;

/// <summary>Every log line of the storage room, source-generated, in one place (EventIds 8201–8299).</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 8201, EventName = "StorageNotCreated", Level = LogLevel.Warning,
        Message = "Could not create the app's queues and tables at start-up ({ErrorType}); requests answer 503 until storage is reachable, then restart the host.")]
    public static partial void NotCreated(ILogger logger, string errorType);
}
