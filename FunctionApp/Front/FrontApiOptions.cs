using System.ComponentModel.DataAnnotations;

namespace FrontFunctions.Front;

/// <summary>
/// How the Front API client paces and retries its calls; bound from the <c>Front</c> section beside <see cref="FrontOptions"/>
/// (<c>Front__RequestsPerMinute</c> and so on). Front's limits: 50 / 100 / 200 requests per minute per company by plan,
/// and about 5 per second per resource (dev.frontapp.com "Rate limiting").
/// </summary>
public sealed class FrontApiOptions
{
    public const string SectionName = FrontOptions.SectionName;

    /// <summary>The company's plan limit; the client spreads its calls to stay under it.</summary>
    [Range(1, 100_000, ErrorMessage = "Front__RequestsPerMinute must be between 1 and 100000 (Front plans: 50, 100 or 200).")]
    public int RequestsPerMinute { get; set; } = 100;

    /// <summary>How many calls may leave back to back before pacing starts (Front's burst limit is about 5 per second).</summary>
    [Range(1, 1_000, ErrorMessage = "Front__BurstPerSecond must be between 1 and 1000.")]
    public int BurstPerSecond { get; set; } = 5;

    /// <summary>Retries of 5xx, 408, 429 and timeouts (never of 401, 403, 404).</summary>
    [Range(0, 10, ErrorMessage = "Front__MaxRetries must be between 0 and 10.")]
    public int MaxRetries { get; set; } = 4;

    /// <summary>First retry delay; later ones grow exponentially with jitter. A 429's Retry-After wins over it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00", ErrorMessage = "Front__RetryBaseDelay must be between 1 ms and 1 minute.")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>One HTTP attempt (time spent waiting at the rate gate is not counted).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:02:00", ErrorMessage = "Front__AttemptTimeout must be between 10 ms and 2 minutes.")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>One call including its retries and rate-limit waits (a pause can last until the minute resets).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Front__TotalTimeout must be between 100 ms and 10 minutes.")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>The longest pause a rate-limit header may impose (guards against clock skew in <c>x-ratelimit-reset</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Front__MaxRateLimitPause must be between 1 second and 10 minutes.")]
    public TimeSpan MaxRateLimitPause { get; set; } = TimeSpan.FromSeconds(90);
}
