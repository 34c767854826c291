using Azure;
using Azure.Identity;

namespace FrontFunctions.Http;

/// <summary>
/// The one failure policy of the HTTP functions. A storage failure (the Azure SDK's retries, capped well under Front's
/// 7 s, already spent) answers 503 so the caller retries: Front re-sends the webhook, the partner system retries the
/// lookup. A request the caller cancelled is not a failure. Anything else is a defect and is not dressed up as a 503.
/// </summary>
public static class FailurePolicy
{
    /// <summary>True when <paramref name="exception"/> means storage could not be reached or did not answer in time.</summary>
    /// <param name="requestAborted">The caller's token: a cancellation it caused is not "storage unavailable".</param>
    public static bool IsStorageUnavailable(Exception exception, CancellationToken requestAborted) => exception switch
    {
        OperationCanceledException => !requestAborted.IsCancellationRequested,          // the SDK's network timeout
        RequestFailedException or HttpRequestException or TimeoutException => true,     // storage answered an error, or no connection
        AuthenticationFailedException => true,                                            // no token for storage (identity-based connection)
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0                // the SDK's retries, all failed
            && aggregate.InnerExceptions.All(inner => IsStorageUnavailable(inner, requestAborted)),
        _ => false,
    };
}
