using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator.Control;

namespace FrontFunctions.Tests.Integration.Outbound;

/// <summary>
/// Issue 19, points 2–4: a partner outage is outlasted by re-queueing within <c>Partner__RetryWindow</c> (short settings
/// here: seconds instead of minutes), a give-up tells the teammate through Front's external message status endpoint
/// (the simulator's), and a redirect is never followed. Real queue listener, Azurite, simulator, loopback receivers.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class PartnerOutageTests
{
    internal const string StatusRoute = "PUT /channels/{channel_id}/conversations/{conv_ext_id}/messages/{message_ext_id}/status";

    private static Dictionary<string, string?> Window(string window) => new()
    {
        ["Partner:RetryWindow"] = window,
        ["Partner:RequeueFirstDelay"] = "00:00:01",
        ["Partner:RequeueMaxDelay"] = "00:00:02",
    };

    [Fact]
    public async Task Replies_sent_during_a_partner_outage_are_all_delivered_once_it_is_back_each_with_one_webhook_id_and_nothing_poisoned()
    {
        await using var two = await TwoWayPipeline.StartAsync(settings: Window("00:10:00"));
        var outage = true;
        var delivered = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        two.Partner.Respond = (r, _) =>
        {
            if (Volatile.Read(ref outage))
            {
                return 503;
            }

            delivered.AddOrUpdate(r.WebhookId, 1, (_, n) => n + 1);
            return 204;
        };

        var answers = new List<TwoWayPipeline.Answer>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add((await two.ReplyAsync(new TeammateMessage { ConversationId = null, Body = $"<p>during the outage {i}</p>" })).Answer);
        }

        var webhookIds = answers.Select(a => OutboundItem.WebhookIdFor(two.ChannelId, a.ExternalId)).ToList();
        // Longer than the old behaviour lasts (5 dequeues × 2 attempts, then poison): every reply is tried 12 times or more.
        await two.Pipeline.WaitAsync(
            () => Task.FromResult(webhookIds.All(id => two.Partner.Received.Count(r => r.WebhookId == id) >= 12)),
            "12 attempts of every reply during the outage", TimeSpan.FromSeconds(90));

        // The console shows the partner failing, with the replies waiting and a next attempt.
        var failing = await WaitPartnerFailingAsync(two, p => p.GetProperty("waiting").GetInt32() == 3);
        Assert.True(failing.GetProperty("failing_since").GetDateTimeOffset() < DateTimeOffset.UtcNow);
        Assert.Contains("503", failing.GetProperty("last_reason").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(JsonValueKind.Null, failing.GetProperty("next_attempt_at").ValueKind);

        Volatile.Write(ref outage, false);
        await two.Pipeline.WaitAsync(() => Task.FromResult(webhookIds.All(delivered.ContainsKey)), "every reply delivered after the outage", TimeSpan.FromSeconds(30));

        foreach (var (answer, webhookId) in answers.Zip(webhookIds))
        {
            Assert.Equal(1, delivered[webhookId]);
            var attempts = two.Partner.Received.Where(r => r.Body.Contains(answer.ExternalId, StringComparison.Ordinal)).ToList();
            Assert.Equal([webhookId], attempts.Select(r => r.WebhookId).Distinct());
            var data = JsonDocument.Parse(attempts[^1].Body).RootElement.GetProperty("data");
            Assert.Equal(answer.ExternalConversationId, data.GetProperty("external_conversation_id").GetString());
            Assert.StartsWith("cnv_", data.GetProperty("conversation_id").GetString(), StringComparison.Ordinal);
            Assert.True(data.GetProperty("created_at").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        }

        Assert.Empty(await PoisonedAsync(two, webhookIds));
        Assert.Empty(await FailureRowsAsync(two, webhookIds));
        Assert.Equal(0, Enrichment.EnrichmentPipeline.Calls(await two.Sim.GetCountersAsync(), StatusRoute));
        await two.Pipeline.WaitAsync(async () => await PartnerFailingAsync(two) is null, "the partner-failing row cleared by the deliveries");
    }

    [Fact]
    public async Task Replies_given_up_when_the_window_is_over_each_make_one_failed_status_call_and_are_listed_in_the_console()
    {
        await using var two = await TwoWayPipeline.StartAsync(settings: Window("00:00:04"));
        two.Partner.Respond = (_, _) => 503;

        var replies = new List<(TeammateMessageResult Result, TwoWayPipeline.Answer Answer)>();
        for (var i = 0; i < 2; i++)
        {
            replies.Add(await two.ReplyAsync(new TeammateMessage { ConversationId = null, Body = $"<p>never delivered {i}</p>" }));
        }

        var webhookIds = replies.Select(r => OutboundItem.WebhookIdFor(two.ChannelId, r.Answer.ExternalId)).ToList();
        await two.Pipeline.WaitAsync(async () => (await PoisonedAsync(two, webhookIds)).Count == 2, "both replies given up", TimeSpan.FromSeconds(60));
        await two.Pipeline.WaitAsync(async () => (await FailureRowsAsync(two, webhookIds)).All(r => r.ContainsKey("FrontNotifiedAt")), "the failure rows recording the status call");

        var counters = await two.Sim.GetCountersAsync();
        Assert.Equal(2, Enrichment.EnrichmentPipeline.Calls(counters, StatusRoute, s => s == "204"));
        Assert.Equal(2, Enrichment.EnrichmentPipeline.Calls(counters, StatusRoute));

        // Front (the simulator) shows each message failed with the reason, its conversation reopened.
        var sent = await SentMessagesAsync(two);
        foreach (var (result, answer) in replies)
        {
            var message = sent.Single(m => m.GetProperty("message_id").GetString() == result.MessageId);
            Assert.Equal("failed", message.GetProperty("status").GetString());
            Assert.Equal(1, message.GetProperty("failed_calls").GetInt32());
            Assert.True(message.GetProperty("conversation_reopened").GetBoolean());
            Assert.Contains("retry window", message.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("never delivered", message.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Equal(answer.ExternalConversationId, message.GetProperty("external_conversation_id").GetString());
        }

        // The operator console lists both failures with the reason.
        var failures = await ConsoleGetAsync(two, $"api/console/failures?channel_id={two.ChannelId}");
        foreach (var webhookId in webhookIds)
        {
            var failure = failures.GetProperty("failures").EnumerateArray()
                .Single(f => f.GetProperty("failure_id").GetString() == FrontFunctions.IdMap.TableKeyEncoding.Encode(PartnerDelivery.FailureKeyPrefix + webhookId));
            Assert.Contains("retry window", failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Contains("503", failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_redirect_is_never_followed_and_fails_the_reply_with_the_location_in_the_reason()
    {
        await using var other = await PartnerReceiver.StartAsync();
        await using var two = await TwoWayPipeline.StartAsync(settings: Window("00:10:00"));
        two.Partner.RedirectTo = other.Url;
        two.Partner.Respond = (_, _) => 301;

        var (_, answer) = await two.ReplyAsync(new TeammateMessage { ConversationId = null });
        var webhookId = OutboundItem.WebhookIdFor(two.ChannelId, answer.ExternalId);

        await two.Pipeline.WaitAsync(async () => (await PoisonedAsync(two, [webhookId])).Count == 1, "the redirected reply poisoned");
        var row = Assert.Single(await FailureRowsAsync(two, [webhookId]));
        Assert.Contains("301", row.GetString("Reason"), StringComparison.Ordinal);
        Assert.Contains(other.Url.AbsoluteUri, row.GetString("Reason"), StringComparison.Ordinal);
        Assert.True(row.GetBoolean("Permanent"));
        Assert.Empty(other.Received);
        Assert.Single(two.Partner.Received, r => r.WebhookId == webhookId); // permanent: one attempt
        await two.Pipeline.WaitAsync(async () => Enrichment.EnrichmentPipeline.Calls(await two.Sim.GetCountersAsync(), StatusRoute, s => s == "204") == 1, "the failed-status call");
        Assert.Empty(other.Received);
    }

    internal static async Task<JsonElement> ConsoleGetAsync(TwoWayPipeline two, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await two.Pipeline.Host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement?> PartnerFailingAsync(TwoWayPipeline two)
    {
        var pipeline = await ConsoleGetAsync(two, "api/console/pipeline");
        return pipeline.TryGetProperty("partner_failing", out var list)
            ? list.EnumerateArray().Where(p => p.GetProperty("channel_id").GetString() == two.ChannelId).Select(p => (JsonElement?)p).FirstOrDefault()
            : null;
    }

    private static async Task<JsonElement> WaitPartnerFailingAsync(TwoWayPipeline two, Func<JsonElement, bool> done)
    {
        JsonElement? found = null;
        await two.Pipeline.WaitAsync(async () => (found = await PartnerFailingAsync(two)) is { } f && done(f), "the console's partner-failing row");
        return found!.Value;
    }

    internal static async Task<List<JsonElement>> SentMessagesAsync(TwoWayPipeline two)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(two.Pipeline.Front.BaseUrl, $"_sim/channels/{two.ChannelId}/sent-messages"));
        return [.. JsonDocument.Parse(text).RootElement.GetProperty("messages").EnumerateArray().Select(m => m.Clone())];
    }

    private static async Task<List<string>> PoisonedAsync(TwoWayPipeline two, IReadOnlyCollection<string> webhookIds)
    {
        var poison = TestStorage.Queues().GetQueueClient(StorageNames.OutboundPoisonQueue);
        if (!(await poison.ExistsAsync()).Value)
        {
            return [];
        }

        var texts = (await poison.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).ToList();
        return [.. webhookIds.Where(id => texts.Any(t => t.Contains(id, StringComparison.Ordinal)))];
    }

    private static async Task<List<TableEntity>> FailureRowsAsync(TwoWayPipeline two, IEnumerable<string> webhookIds)
    {
        var table = TestStorage.Tables().GetTableClient(StorageNames.FailuresTable);
        var rows = new List<TableEntity>();
        foreach (var id in webhookIds)
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(two.ChannelId, FrontFunctions.IdMap.TableKeyEncoding.Encode(PartnerDelivery.FailureKeyPrefix + id));
            if (row.HasValue && row.Value is { } value)
            {
                rows.Add(value);
            }
        }

        return rows;
    }
}
