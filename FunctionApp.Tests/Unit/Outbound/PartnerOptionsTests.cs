using FrontFunctions.Outbound;

namespace FrontFunctions.Tests.Unit.Outbound;

/// <summary>Partner settings: https only (http for a loopback host), the retry window and its delays in range.</summary>
public sealed class PartnerOptionsTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static IEnumerable<string> Problems(PartnerOptions options) =>
        new PartnerOptionsValidator().Validate(null, options).Failures ?? [];

    [Theory]
    [InlineData("https://partner.example/events", true)]
    [InlineData("http://127.0.0.1:7075/events", true)]
    [InlineData("http://localhost:7075/events", true)]
    [InlineData("http://[::1]:7075/events", true)]
    [InlineData("http://partner.example/events", false)]
    [InlineData("http://10.0.0.5/events", false)]
    [InlineData("ftp://partner.example/events", false)]
    [InlineData("partner.example/events", false)]
    public void The_partner_url_must_be_https_unless_it_names_a_loopback_host(string url, bool valid)
    {
        var problems = Problems(new PartnerOptions { OutboundUrl = url, SigningSecret = Secret }).ToList();

        if (valid)
        {
            Assert.Empty(problems);
        }
        else
        {
            Assert.Contains(problems, p => p.Contains("Partner__OutboundUrl", StringComparison.Ordinal) && p.Contains("https", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_retry_window_defaults_to_24_hours_with_delays_from_1_minute_to_30_minutes()
    {
        var options = new PartnerOptions();
        Assert.Equal(TimeSpan.FromHours(24), options.RetryWindow);
        Assert.Equal(TimeSpan.FromMinutes(1), options.RequeueFirstDelay);
        Assert.Equal(TimeSpan.FromMinutes(30), options.RequeueMaxDelay);
        Assert.Empty(Problems(options));
    }

    [Theory]
    [InlineData("-00:00:01", "00:01:00", "00:30:00", "Partner__RetryWindow")]
    [InlineData("8.00:00:00", "00:01:00", "00:30:00", "Partner__RetryWindow")]
    [InlineData("1.00:00:00", "00:00:00", "00:30:00", "Partner__RequeueFirstDelay")]
    [InlineData("1.00:00:00", "00:10:00", "00:05:00", "Partner__RequeueMaxDelay")]
    [InlineData("1.00:00:00", "00:01:00", "2.00:00:00", "Partner__RequeueMaxDelay")]
    public void Out_of_range_retry_settings_are_refused_naming_the_setting(string window, string first, string max, string named)
    {
        var options = new PartnerOptions { RetryWindow = TimeSpan.Parse(window, System.Globalization.CultureInfo.InvariantCulture), RequeueFirstDelay = TimeSpan.Parse(first, System.Globalization.CultureInfo.InvariantCulture), RequeueMaxDelay = TimeSpan.Parse(max, System.Globalization.CultureInfo.InvariantCulture) };

        Assert.Contains(Problems(options), p => p.Contains(named, StringComparison.Ordinal));
    }
}
