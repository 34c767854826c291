using Microsoft.Extensions.Logging;

namespace FrontFunctions.Front;

/// <summary>
/// The log lines of the Front protocol room (EventIds 7001–7099; LogConventionTests holds every area to its range). Ids and
/// reasons only: never a token, a secret or a body.
/// </summary>
internal static partial class FrontLog
{
    [LoggerMessage(EventId = 7001, EventName = "SharedBudgetLeaseTimedOut", Level = LogLevel.Warning,
        Message = "Shared Front budget: a lease took longer than {LeaseTimeoutMs} ms; using the local gate for a while")]
    public static partial void SharedBudgetLeaseTimedOut(ILogger logger, double leaseTimeoutMs);

    [LoggerMessage(EventId = 7002, EventName = "SharedBudgetLeaseFailed", Level = LogLevel.Warning,
        Message = "Shared Front budget: a lease failed (status {Status}, {ErrorCode}); using the local gate for a while")]
    public static partial void SharedBudgetLeaseFailed(ILogger logger, int status, string? errorCode);
}
