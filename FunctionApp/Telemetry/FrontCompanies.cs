namespace FrontFunctions.Telemetry;

/// <summary>
/// The Front company a call went to, as far as its address tells: Front's company hosts are
/// <c>https://&lt;company&gt;.api.frontapp.com/…</c> (the <c>_links</c> of its answers, docs/front-channel-api.md); any other
/// host (<c>api2.frontapp.com</c>, a simulator) counts as <see cref="Unknown"/>. For the console's per-company charts only.
/// </summary>
public static class FrontCompanies
{
    public const string Unknown = "unknown";

    private const string CompanyHostSuffix = ".api.frontapp.com";

    public static string Of(Uri? uri)
    {
        var host = uri?.IsAbsoluteUri == true ? uri.Host : null;
        if (host is null || !host.EndsWith(CompanyHostSuffix, StringComparison.OrdinalIgnoreCase))
        {
            return Unknown;
        }

        var company = host[..^CompanyHostSuffix.Length].ToLowerInvariant();
        return company.Length is > 0 and <= 63 && !company.Contains('.', StringComparison.Ordinal)
            && company.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            ? company
            : Unknown;
    }
}
