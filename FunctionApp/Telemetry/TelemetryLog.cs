using Microsoft.Extensions.Logging;

namespace FrontFunctions.Telemetry;

/// <summary>Every log line of the metrics and traces, source-generated, in one place (EventIds 6001–6099).</summary>
internal static partial class TelemetryLog
{
    [LoggerMessage(EventId = 6001, EventName = "QueueSampleFailed", Level = LogLevel.Warning,
        Message = "Could not sample queue {Queue} for the queue metrics ({ErrorType}); its gauges keep the previous sample.")]
    public static partial void QueueSampleFailed(ILogger logger, string queue, string errorType);

    [LoggerMessage(EventId = 6002, EventName = "ConsoleStatsWriteFailed", Level = LogLevel.Warning,
        Message = "Could not write the console's counters ({ErrorType}); they are kept and written on the next try.")]
    public static partial void ConsoleStatsWriteFailed(ILogger logger, string errorType);
}
