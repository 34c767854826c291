using System.Globalization;
using System.Net;

namespace FrontFunctions.Telemetry;

/// <summary>
/// Why Front answered 429, as far as the answer tells (docs/front-channel-api.md "Rate limits"): the limit is per company
/// (50/100/200 a minute by plan) with a burst limit of about 5 a second per resource; a 429 with
/// <c>x-ratelimit-remaining</c> &gt; 0 is the burst limit, one with 0 the company's minute. Without the header (a proxy, an
/// injected fault) the cause is unknown. Our own rate gate never answers 429 (it makes callers wait: see
/// <c>front.rate_gate.wait</c>).
/// </summary>
public static class ThrottleCauses
{
    public const string CompanyLimit = "company_limit";
    public const string Burst = "burst";
    public const string Unknown = "unknown";

    /// <summary>The cause of a 429; null for any other answer.</summary>
    public static string? Of(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.TooManyRequests)
        {
            return null;
        }

        return response.Headers.TryGetValues("x-ratelimit-remaining", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var remaining)
            && double.IsFinite(remaining)
                ? remaining > 0 ? Burst : CompanyLimit
                : Unknown;
    }
}
