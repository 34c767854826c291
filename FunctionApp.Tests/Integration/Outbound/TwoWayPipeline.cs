using System.Security.Cryptography;
using System.Text.Json;
using FrontFunctions.Outbound;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.Tests.Integration.Enrichment;
using FrontSimulator.Control;

namespace FrontFunctions.Tests.Integration.Outbound;

/// <summary>
/// The enrichment pipeline (simulator, local host with the real queue listener, Azurite) plus a partner receiver on
/// loopback that the delivery function POSTs to, signed with a fresh <c>whsec_</c> secret.
/// </summary>
internal sealed class TwoWayPipeline : IAsyncDisposable
{
    private TwoWayPipeline(EnrichmentPipeline pipeline, PartnerReceiver partner, string secret)
    {
        Pipeline = pipeline;
        Partner = partner;
        Secret = secret;
    }

    public EnrichmentPipeline Pipeline { get; }
    public PartnerReceiver Partner { get; }
    public string Secret { get; }
    public string ChannelId => Pipeline.ChannelId;
    public SimulatorControl Sim => Pipeline.Sim;

    public static async Task<TwoWayPipeline> StartAsync(bool deliver = true, IDictionary<string, string?>? settings = null)
    {
        var partner = await PartnerReceiver.StartAsync();
        var secret = PartnerOptions.SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var values = new Dictionary<string, string?>
        {
            ["Partner:OutboundUrl"] = deliver ? partner.Url.AbsoluteUri : null,
            ["Partner:SigningSecret"] = deliver ? secret : null,
            ["Partner:MaxRetries"] = "1",
            ["Partner:RetryBaseDelay"] = "00:00:00.010",
            ["Partner:AttemptTimeout"] = "00:00:05",
            // A failed delivery is queued again after 1 s, then 2 s (the defaults: 1 min doubling to 30 min).
            ["Partner:RequeueFirstDelay"] = "00:00:01",
            ["Partner:RequeueMaxDelay"] = "00:00:02",
            [PartnerOptions.DisabledSetting] = deliver ? "false" : "true",
            ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:01",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var pipeline = await EnrichmentPipeline.StartAsync(values);
        return new TwoWayPipeline(pipeline, partner, secret);
    }

    /// <summary>Sends a teammate message through the simulator; asserts the webhook answered 200 and returns the answer.</summary>
    public async Task<(TeammateMessageResult Result, Answer Answer)> ReplyAsync(TeammateMessage message)
    {
        var result = await Sim.SendTeammateMessageAsync(ChannelId, message);
        Assert.True(result.Status == 200, $"The webhook answered {result.Status}: {result.Answer}");
        return (result, Answer.Parse(result.Answer));
    }

    /// <summary>Imports an inbound message and waits until the map has its conversation; returns the Front conversation id.</summary>
    public async Task<string> ImportMappedAsync(string externalId, string externalConversationId)
    {
        await Pipeline.ImportAsync(externalId, externalConversationId);
        var mapped = await Pipeline.WaitForAsync(Pipeline.MessageByExternalId(externalId), m => m.GetProperty("conversation_id").GetString() is { Length: > 0 });
        return mapped.GetProperty("conversation_id").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        await Pipeline.DisposeAsync();
        await Partner.DisposeAsync();
    }

    public sealed record Answer(string Type, string ExternalId, string ExternalConversationId)
    {
        public static Answer Parse(string json)
        {
            var root = JsonDocument.Parse(json).RootElement;
            return new Answer(
                root.GetProperty("type").GetString()!,
                root.GetProperty("external_id").GetString()!,
                root.GetProperty("external_conversation_id").GetString()!);
        }
    }
}
