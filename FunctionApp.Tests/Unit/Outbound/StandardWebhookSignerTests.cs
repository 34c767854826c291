using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FrontFunctions.Outbound;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using StandardWebhooks;

namespace FrontFunctions.Tests.Unit.Outbound;

/// <summary>The Standard Webhooks signature against the specification's vector and an independent implementation.</summary>
public sealed class StandardWebhookSignerTests
{
    private sealed record Vector(string Id, long Timestamp, string Secret, string Payload, string Signature);

    /// <summary>TestData/standard-webhooks/signatures.json (source in SOURCE.md beside it).</summary>
    public static TheoryData<string, long, string, string, string> Vectors()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "standard-webhooks", "signatures.json");
        var data = new TheoryData<string, long, string, string, string>();
        foreach (var v in JsonSerializer.Deserialize<Vector[]>(File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web))!)
        {
            data.Add(v.Id, v.Timestamp, v.Secret, v.Payload, v.Signature);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void The_signer_reproduces_the_specification_vector_with_the_decoded_secret(string id, long timestamp, string secret, string payload, string signature)
    {
        Assert.Equal(signature, StandardWebhookSigner.Sign(Convert.FromBase64String(secret), id, timestamp, Encoding.UTF8.GetBytes(payload)));
        // The secret's characters as the key is the classic mistake: it must not match.
        Assert.NotEqual(signature, StandardWebhookSigner.Sign(Encoding.UTF8.GetBytes(secret), id, timestamp, Encoding.UTF8.GetBytes(payload)));
    }

    [Fact]
    public void The_StandardWebhooks_package_verifies_what_the_signer_produces_and_rejects_a_changed_body()
    {
        var secret = PartnerOptions.SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var options = new PartnerOptions { SigningSecret = secret };
        const string body = "{\"type\":\"message\",\"data\":{\"text\":\"héllo ✓\"}}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var headers = new HeaderDictionary
        {
            ["webhook-id"] = "msg_0123",
            ["webhook-timestamp"] = now.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["webhook-signature"] = StandardWebhookSigner.Sign(options.SigningKey(), "msg_0123", now, Encoding.UTF8.GetBytes(body)),
        };

        new StandardWebhook(secret).Verify(body, headers);
        Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() => new StandardWebhook(secret).Verify(body.Replace("✓", "x", StringComparison.Ordinal), headers));
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("", "", true)]                                                                    // as Bicep sets them without a partner
    [InlineData("partner.example/events", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", false)]      // not absolute
    [InlineData("https://partner.example/events", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", true)]
    [InlineData("https://partner.example/events", null, false)]
    [InlineData("https://partner.example/events", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", false)]   // no whsec_ prefix
    [InlineData("https://partner.example/events", "whsec_not base64!", false)]
    [InlineData("https://partner.example/events", "whsec_c2hvcnQ=", false)]                      // 5 bytes: too short
    [InlineData("ftp://partner.example/events", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", false)]
    public void Partner_options_are_validated_naming_the_setting(string? url, string? secret, bool valid)
    {
        var result = new PartnerOptionsValidator().Validate(null, new PartnerOptions
        {
            OutboundUrl = url,
            SigningSecret = secret,
        });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Partner__", result.FailureMessage, StringComparison.Ordinal);
        }
    }
}
