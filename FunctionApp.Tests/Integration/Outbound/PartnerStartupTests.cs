using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Tests.Integration.Outbound;

/// <summary>Partner settings are validated when the host starts: a bad one stops it with a message naming the setting.</summary>
public sealed class PartnerStartupTests
{
    [Theory]
    [InlineData("https://partner.example/events", null, "Partner__SigningSecret")]
    [InlineData("https://partner.example/events", "not-a-whsec-secret", "Partner__SigningSecret")]
    [InlineData("partner.example/events", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "Partner__OutboundUrl")]
    [InlineData("http://partner.example/events", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "Partner__OutboundUrl")] // cleartext to a remote host
    public async Task The_host_refuses_to_start_with_bad_partner_settings(string url, string? secret, string named)
    {
        var failure = await Assert.ThrowsAnyAsync<OptionsValidationException>(async () =>
        {
            await using var host = await RunningLocalHost.StartAsync(new Dictionary<string, string?>
            {
                ["Partner:OutboundUrl"] = url,
                ["Partner:SigningSecret"] = secret,
            });
        });

        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }
}
