using Microsoft.Extensions.Logging;

namespace FrontFunctions.Http;

/// <summary>
/// The HTTP edge's log lines (<see cref="HttpEdge"/>), EventIds 8001–8099. Fields carry the method, the path (never the
/// query, which may hold a <c>?code=</c> function key) and error types: never a body.
/// </summary>
internal static partial class HttpLog
{
    [LoggerMessage(EventId = 8001, EventName = "HttpStorageUnavailable", Level = LogLevel.Error,
        Message = "Storage unavailable while answering {Method} {Path} ({ErrorType}); answered 503")]
    public static partial void StorageUnavailable(ILogger logger, Exception exception, string method, string path, string errorType);

    [LoggerMessage(EventId = 8002, EventName = "HttpBodyUnreadable", Level = LogLevel.Information,
        Message = "The body of {Method} {Path} could not be read ({StatusCode}: {Reason})")]
    public static partial void BodyUnreadable(ILogger logger, string method, string path, int statusCode, string reason);
}
