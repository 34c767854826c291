using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FrontFunctions.TestSupport;
using FrontSimulator.Control;

namespace FrontSimulator.Tests.Infrastructure;

/// <summary>
/// A simulator on a free loopback port with two channels of one app (A and B), generous rate limits and short delays,
/// plus an HTTP client that does not follow redirects.
/// </summary>
internal sealed class SimHarness : IAsyncDisposable
{
    public const string AppUid = "app_2f76b9ac738de158";
    public const string ChannelA = "cha_a1";
    public const string SecretA = "secret-of-the-app-for-channel-a";
    public const string ChannelB = "cha_b2";
    public const string SecretB = "another-secret-for-channel-b";

    private SimHarness(RunningFrontSimulator sim)
    {
        Sim = sim;
        Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = sim.BaseUrl };
    }

    public RunningFrontSimulator Sim { get; }
    public SimulatorControl Control => Sim.Control;
    public HttpClient Http { get; }

    public static async Task<SimHarness> StartAsync(Uri? webhookA = null, Action<SimulatorOptions>? configure = null)
    {
        var sim = await FrontSimulatorServer.StartAsync(configure: o =>
        {
            o.RequestsPerMinute = 100_000;
            o.BurstPerSecond = 100_000;
            o.ImportDelayMs = 10;
            o.NotificationDelayMs = 10;
            o.NotificationRetryBaseDelayMs = 20;
            configure?.Invoke(o);
        });
        var harness = new SimHarness(sim);
        await sim.Control.CreateChannelAsync(ChannelA, AppUid, SecretA, webhookA);
        await sim.Control.CreateChannelAsync(ChannelB, AppUid, SecretB, null);
        return harness;
    }

    public static string Token(string channel) =>
        TestTokens.Sign(channel == ChannelA ? SecretA : SecretB, TestTokens.Claims(AppUid, channel));

    public static JsonObject Inbound(string externalId, string externalConversationId, string body = "<p>Hello</p>") => new()
    {
        ["sender"] = new JsonObject { ["handle"] = "+33612345678", ["name"] = "Ada" },
        ["subject"] = "Order 42",
        ["body"] = body,
        ["metadata"] = new JsonObject { ["external_id"] = externalId, ["external_conversation_id"] = externalConversationId },
    };

    public Task<HttpResponseMessage> PostAsync(string path, JsonNode body, string? token) =>
        SendAsync(HttpMethod.Post, path, token, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

    public Task<HttpResponseMessage> GetAsync(string path, string? token) => SendAsync(HttpMethod.Get, path, token, null);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Http.SendAsync(request);
    }

    /// <summary>Imports an inbound message on <paramref name="channel"/> and waits until Front has created it.</summary>
    public async Task<MessageSnapshot> ImportAndWaitAsync(string channel, string externalId, string externalConversationId)
    {
        using var response = await PostAsync($"/channels/{channel}/inbound_messages", Inbound(externalId, externalConversationId), Token(channel));
        Assert.Equal(202, (int)response.StatusCode);
        var uid = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["message_uid"]!.GetValue<string>();
        return await WaitForMessageAsync(channel, uid);
    }

    public Task<MessageSnapshot> WaitForMessageAsync(string channel, string uid) =>
        Eventually.UntilAsync(
            async () => (await Control.GetChannelAsync(channel)).Conversations.SelectMany(c => c.Messages).FirstOrDefault(m => m.MessageUid == uid),
            "message " + uid);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Sim.DisposeAsync();
    }
}
