using System.Globalization;

namespace FrontFunctions.Front;

/// <summary>
/// Front's rate-limit headers read from one response (dev.frontapp.com "Rate limiting", docs/front-channel-api.md "Rate
/// limits"): <c>x-ratelimit-remaining</c>, <c>x-ratelimit-reset</c> (UNIX seconds) and <c>retry-after</c>. Pure parsing; what
/// they mean for callers is <see cref="FrontRateGate"/>'s job. A header that is absent or no plausible value is null.
/// </summary>
public readonly record struct FrontRateLimitHeaders(double? Remaining, DateTimeOffset? Reset, TimeSpan? RetryAfter)
{
    private const double MillisecondsThreshold = 1e11;
    private static readonly double MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds() - 1;

    public static FrontRateLimitHeaders Read(HttpResponseMessage response, DateTimeOffset now) =>
        new(HeaderNumber(response, "x-ratelimit-remaining"), ResetTime(HeaderNumber(response, "x-ratelimit-reset")), RetryAfterOf(response, now));

    /// <summary>A header's value as a finite number; anything else (absent, garbage, NaN, Infinity) is null.</summary>
    private static double? HeaderNumber(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values)
        && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
        && double.IsFinite(value)
            ? value
            : null;

    /// <summary>
    /// <c>x-ratelimit-reset</c> as a time, or null when it cannot be one. Front documents UNIX seconds (its example:
    /// 1454450858); a value of <see cref="MillisecondsThreshold"/> or more would be seconds after the year 5000, so it is read
    /// as milliseconds (a proxy or a future change); what is still beyond <see cref="DateTimeOffset.MaxValue"/>, zero or
    /// negative is ignored. Never throws: a header must not cost the good response it came with.
    /// </summary>
    private static DateTimeOffset? ResetTime(double? value)
    {
        if (value is not { } v || !double.IsFinite(v) || v <= 0)
        {
            return null;
        }

        var seconds = v >= MillisecondsThreshold ? v / 1000 : v;
        return seconds <= MaxUnixSeconds
            ? DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond))
            : null;
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response, DateTimeOffset now) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
            _ => null,
        };
}
