using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace FrontFunctions.Front;

/// <summary>
/// Which Front company an answer comes from, read from Front's own answers (docs/front-channel-api.md, "Which company a
/// channel belongs to"): the links of a company answer use the company's host, <c>https://{company}.api.frontapp.com/…</c>
/// (core-api.json examples; <c>api2.frontapp.com</c> names no company), and <c>x-ratelimit-limit</c> is that company's limit.
/// Pure parsing; the gate (<see cref="FrontRateGate"/>) decides what it means.
/// </summary>
public static partial class FrontCompanies
{
    /// <summary>Bodies larger than this are not searched for links (Front's JSON answers are a few KiB).</summary>
    public const long MaxBodyToRead = 256 * 1024;

    private const string HostSuffix = ".api.frontapp.com";

    /// <summary>A company's name as its host label: lower-case letters, digits and inner hyphens, at most 63 characters.</summary>
    public static bool IsCompanyName(string? name) => name is not null && CompanyName().IsMatch(name);

    /// <summary>The company of a link such as <c>https://acme.api.frontapp.com/messages/msg_1</c>; null for any other host.</summary>
    public static string? FromLink(string? link)
    {
        if (string.IsNullOrWhiteSpace(link) || !Uri.TryCreate(link, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            return null;
        }

        var host = uri.IdnHost.ToLowerInvariant();
        if (!host.EndsWith(HostSuffix, StringComparison.Ordinal))
        {
            return null;
        }

        var label = host[..^HostSuffix.Length];
        return IsCompanyName(label) ? label : null;
    }

    /// <summary>The company of the first company-host link in a JSON body (any <c>_links</c> entry); null when there is none.</summary>
    public static string? FromBody(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        foreach (Match match in CompanyLink().Matches(json))
        {
            if (FromLink(match.Value) is { } company)
            {
                return company;
            }
        }

        return null;
    }

    /// <summary><c>x-ratelimit-limit</c> as a whole number of requests per minute (1 to 100,000); null when absent or implausible.</summary>
    public static int? LimitOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-ratelimit-limit", out var values)
        && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
        && double.IsFinite(value) && value >= 1 && value <= 100_000
            ? (int)value
            : null;

    /// <summary>
    /// The company an answer names: its <c>Location</c> (a merged conversation's 301), else a link in its JSON body (read
    /// into the response's buffer, which the client reads anyway; bodies that are not JSON or larger than
    /// <see cref="MaxBodyToRead"/> are left alone). Null when it names none.
    /// </summary>
    public static async Task<string?> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (FromLink(response.Headers.Location?.IsAbsoluteUri == true ? response.Headers.Location.AbsoluteUri : null) is { } fromLocation)
        {
            return fromLocation;
        }

        var content = response.Content;
        if (content?.Headers.ContentType is not MediaTypeHeaderValue { MediaType: { } type }
            || !type.Contains("json", StringComparison.OrdinalIgnoreCase)
            || content.Headers.ContentLength is > MaxBodyToRead)
        {
            return null;
        }

        try
        {
            await content.LoadIntoBufferAsync(MaxBodyToRead, cancellationToken).ConfigureAwait(false);
            return FromBody(await content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (HttpRequestException)
        {
            return null; // larger than it said, or cut off: the caller's own read reports it
        }
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex CompanyName();

    [GeneratedRegex(@"https://[A-Za-z0-9-]{1,63}\.api\.frontapp\.com(?=[/""\\])", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex CompanyLink();
}
