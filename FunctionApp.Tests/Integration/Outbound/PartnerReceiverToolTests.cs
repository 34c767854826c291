using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FrontFunctions.Outbound;
using FrontFunctions.PartnerDemo;
using Microsoft.AspNetCore.Builder;

namespace FrontFunctions.Tests.Integration.Outbound;

/// <summary>
/// tools/PartnerReceiver, the partner run-local.sh starts for the demo: it records a delivery only when its Standard Webhooks
/// signature verifies (with the StandardWebhooks package, not the app's signer), once per webhook-id, and lists it at GET /events.
/// </summary>
public sealed class PartnerReceiverToolTests
{
    [Fact]
    public async Task It_lists_a_delivery_signed_as_the_app_signs_once_and_refuses_one_signed_with_another_secret()
    {
        var secret = PartnerOptions.SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var output = new StringWriter();
        await using var app = VerifyingReceiver.Build(["--urls", "http://127.0.0.1:0"], secret, TextWriter.Synchronized(output));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        const string body = "{\"type\":\"message\",\"timestamp\":\"2026-11-30T12:00:00.000Z\",\"data\":{\"channel_id\":\"cha_r1\",\"message_id\":\"msg_1\","
            + "\"conversation_id\":\"cnv_1\",\"external_id\":\"front:msg_1\",\"external_conversation_id\":\"sms:+15550100\",\"text\":\"Thanks ✓\"}}";

        Assert.Equal(HttpStatusCode.NoContent, await PostAsync(http, new PartnerOptions { SigningSecret = secret }.SigningKey(), "msg_aa", body));
        Assert.Equal(HttpStatusCode.NoContent, await PostAsync(http, new PartnerOptions { SigningSecret = secret }.SigningKey(), "msg_aa", body)); // a retry
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(http, RandomNumberGenerator.GetBytes(32), "msg_bb", body));

        var events = (await http.GetFromJsonAsync<JsonElement>("/events?channel_id=cha_r1")).GetProperty("events");
        var received = Assert.Single(events.EnumerateArray());
        Assert.Equal("msg_aa", received.GetProperty("webhook_id").GetString());
        Assert.Equal("msg_1", received.GetProperty("message_id").GetString());
        Assert.Equal("front:msg_1", received.GetProperty("external_id").GetString());
        Assert.Equal("sms:+15550100", received.GetProperty("external_conversation_id").GetString());
        Assert.Equal("Thanks ✓", received.GetProperty("text").GetString());
        Assert.True(received.GetProperty("signature_verified").GetBoolean());
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>("/events?channel_id=cha_other")).GetProperty("events").EnumerateArray());
        Assert.Contains("refused a delivery (webhook-id 'msg_bb')", output.ToString(), StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> PostAsync(HttpClient http, byte[] key, string webhookId, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events") { Content = new ByteArrayContent(bytes) };
        request.Headers.Add(StandardWebhookSigner.IdHeader, webhookId);
        request.Headers.Add(StandardWebhookSigner.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(StandardWebhookSigner.SignatureHeader, StandardWebhookSigner.Sign(key, webhookId, timestamp, bytes));
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
