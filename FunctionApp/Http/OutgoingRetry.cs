using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace FrontFunctions.Http;

/// <summary>
/// The retry every outgoing HTTP client of the app uses (Front's API, the partner's endpoint): a total timeout around
/// exponential retries with jitter that honour <c>retry-after</c>. The standard HTTP retry predicate retries 5xx, 408, 429,
/// connection failures and attempt timeouts, never another 4xx.
/// </summary>
public static class OutgoingRetry
{
    public static ResiliencePipelineBuilder<HttpResponseMessage> AddTotalTimeoutAndRetry(
        this ResiliencePipelineBuilder<HttpResponseMessage> pipeline, TimeSpan totalTimeout, int maxRetries, TimeSpan baseDelay,
        Action<HttpRetryStrategyOptions>? configure = null)
    {
        pipeline.AddTimeout(totalTimeout);
        if (maxRetries > 0)
        {
            var retry = new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = maxRetries,
                Delay = baseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
            };
            configure?.Invoke(retry);
            pipeline.AddRetry(retry);
        }

        return pipeline;
    }
}
