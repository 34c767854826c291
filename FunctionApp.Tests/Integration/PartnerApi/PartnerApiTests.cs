using System.Net;
using System.Text.Json;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.Tests.Integration.Outbound;
using FrontSimulator.Control;
using static FrontFunctions.Tests.Integration.PartnerApi.PartnerApiClient;

namespace FrontFunctions.Tests.Integration.PartnerApi;

/// <summary>
/// Issue 21, point 1: the partner API by external id against the Front simulator from the local host, one test per answer
/// class over every route: found (and Front shows the change), merged (the survivor answers), unknown id (404 naming it),
/// deleted channel (410), Front's 403 (403 naming the route), 404, 429 and 5xx after the app's retries (503, Retry-After).
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class PartnerApiTests
{
    private const string Thread = "pa thread/1 #x";

    private static readonly Dictionary<string, string?> FastRetries = new()
    {
        ["Front:MaxRetries"] = "1",
        ["Front:RetryBaseDelay"] = "00:00:00.010",
    };

    /// <summary>A mapped inbound message and a teammate's reply (mapped by its answer) in one conversation.</summary>
    private static async Task<(TwoWayPipeline Two, string ConversationId, string ReplyExternalId, string ReplyMessageId)> StartAsync()
    {
        var two = await TwoWayPipeline.StartAsync(deliver: false, FastRetries);
        var conversationId = await two.ImportMappedAsync("pa-in/1", Thread);
        var (result, answer) = await two.ReplyAsync(new TeammateMessage { ConversationId = conversationId });
        return (two, conversationId, answer.ExternalId, result.MessageId!);
    }

    [Fact]
    public async Task Found_every_route_answers_and_Front_shows_the_change()
    {
        var (two, conversationId, reply, replyId) = await StartAsync();
        await using var owned = two;
        var channel = two.ChannelId;

        var (status, read, _) = await CallAsync(two, HttpMethod.Get, Conversation(channel, Thread));
        Assert.True(status == HttpStatusCode.OK, read.ToString());
        Assert.Equal(conversationId, read.GetProperty("conversation_id").GetString());
        Assert.Equal("unassigned", read.GetProperty("status").GetString());
        Assert.Contains(Thread, read.GetProperty("external_conversation_ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Null, read.GetProperty("merged_into").ValueKind);
        Assert.Equal(JsonValueKind.Null, read.GetProperty("inboxes").ValueKind); // one Front call unless asked
        (status, var withInboxes, _) = await CallAsync(two, HttpMethod.Get, Conversation(channel, Thread, "?include=inboxes"));
        Assert.True(status == HttpStatusCode.OK, withInboxes.ToString());
        Assert.Equal("inb_" + channel[4..], Assert.Single(withInboxes.GetProperty("inboxes").EnumerateArray()).GetProperty("id").GetString());
        (status, var unknownInclude, _) = await CallAsync(two, HttpMethod.Get, Conversation(channel, Thread, "?include=followers"));
        Assert.True(status == HttpStatusCode.BadRequest, unknownInclude.ToString());

        (status, var patched, _) = await CallAsync(two, HttpMethod.Patch, Conversation(channel, Thread),
            "{\"assignee_id\":\"tea_1\",\"status\":\"archived\",\"tag_ids\":{\"add\":[\"tag_vip\"]}}");
        Assert.True(status == HttpStatusCode.OK, patched.ToString());
        var state = await two.Sim.GetConversationStateAsync(conversationId);
        Assert.Equal(("archived", "tea_1"), (state.Status, state.AssigneeId));
        Assert.Equal(["tag_vip"], state.TagIds);
        (_, read, _) = await CallAsync(two, HttpMethod.Get, Conversation(channel, Thread));
        Assert.Equal("archived", read.GetProperty("status").GetString());
        Assert.Equal("vip", read.GetProperty("tags")[0].GetProperty("name").GetString());
        Assert.Equal("tea_1", read.GetProperty("assignee").GetProperty("id").GetString());

        (status, _, _) = await CallAsync(two, HttpMethod.Patch, Conversation(channel, Thread), "{\"status\":\"trashed\",\"tag_ids\":{\"remove\":[\"tag_vip\"]}}");
        Assert.Equal(HttpStatusCode.OK, status);
        state = await two.Sim.GetConversationStateAsync(conversationId);
        Assert.Equal("deleted", state.Status);
        Assert.Empty(state.TagIds);

        (status, var comment, _) = await CallAsync(two, HttpMethod.Post, Conversation(channel, Thread, "/comments"), "{\"body\":\"Ticket 42 closed\"}");
        Assert.True(status == HttpStatusCode.Created, comment.ToString());
        Assert.Equal("Ticket 42 closed", Assert.Single((await two.Sim.GetConversationStateAsync(conversationId)).Comments).Body);

        // Messages, newest first, one per page through the cursor.
        var ids = new List<string?>();
        var path = Conversation(channel, Thread, "/messages?limit=1");
        while (path is not null)
        {
            (status, var page, _) = await CallAsync(two, HttpMethod.Get, path);
            Assert.True(status == HttpStatusCode.OK, page.ToString());
            ids.AddRange(page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("external_id").GetString()));
            path = page.GetProperty("next_cursor").GetString() is { } cursor ? Conversation(channel, Thread, "/messages?limit=1&cursor=" + Uri.EscapeDataString(cursor)) : null;
        }

        Assert.Equal([reply, "pa-in/1"], ids);

        // Seen: 20 calls at once, one mark in Front.
        var seen = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => CallAsync(two, HttpMethod.Post, Message(channel, reply, "/seen"))));
        Assert.All(seen, s => Assert.Equal(HttpStatusCode.OK, s.Status));
        Assert.Single(seen, s => !s.Body.GetProperty("already_marked").GetBoolean());
        Assert.Equal(1, (await two.Sim.GetConversationStateAsync(conversationId)).SeenMarks[replyId]);
        (status, var receipts, _) = await CallAsync(two, HttpMethod.Get, Message(channel, reply, "/seen"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, receipts.GetProperty("seen_receipts").GetArrayLength());

        // Status by path: Front marks it failed and reopens the conversation.
        (status, var failed, _) = await CallAsync(two, HttpMethod.Post, Message(channel, reply, "/status"), "{\"status\":\"failed\",\"reason\":\"Unreachable\"}");
        Assert.True(status == HttpStatusCode.OK, failed.ToString());
        var sent = (await two.Sim.GetSentMessagesAsync(channel)).Messages.Single(m => m.MessageId == replyId);
        Assert.Equal(("failed", true), (sent.Status, sent.ConversationReopened));
        Assert.Equal("assigned", (await two.Sim.GetConversationStateAsync(conversationId)).Status); // reopened, still assigned to tea_1
    }

    [Fact]
    public async Task A_teammate_message_the_map_does_not_know_is_listed_with_a_null_external_id_and_recorded()
    {
        var (two, conversationId, _, _) = await StartAsync();
        await using var owned = two;
        // Front sends a message the app never answers (its webhook unreachable for a moment): no external id anywhere.
        await two.Sim.CreateChannelAsync(two.ChannelId, RunningLocalHostAppUid, RunningLocalHostSecret, new Uri("http://127.0.0.1:9/"));
        var unanswered = await two.Sim.SendTeammateMessageAsync(two.ChannelId, new TeammateMessage { ConversationId = conversationId });
        Assert.NotEqual(200, unanswered.Status);

        var (status, page, _) = await CallAsync(two, HttpMethod.Get, Conversation(two.ChannelId, Thread, "/messages"));

        Assert.True(status == HttpStatusCode.OK, page.ToString());
        var listed = page.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("message_id").GetString() == unanswered.MessageId);
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("external_id").ValueKind);
        var mapped = await two.Pipeline.GetAsync(two.Pipeline.MessageByFrontId(unanswered.MessageId!));
        Assert.Equal(HttpStatusCode.OK, mapped.Status);
        Assert.Equal(conversationId, mapped.Body.GetProperty("conversation_id").GetString());
    }

    [Fact]
    public async Task Merged_the_survivor_answers_by_either_external_id()
    {
        var (two, mergedId, _, _) = await StartAsync();
        await using var owned = two;
        var survivorId = await two.ImportMappedAsync("pa-in/2", "pa-survivor");
        await two.Sim.MergeAsync(mergedId, survivorId);

        var (status, read, _) = await CallAsync(two, HttpMethod.Get, Conversation(two.ChannelId, Thread));
        Assert.True(status == HttpStatusCode.OK, read.ToString());
        Assert.Equal(survivorId, read.GetProperty("conversation_id").GetString());
        Assert.Equal(survivorId, read.GetProperty("merged_into").GetString());

        (status, var patched, _) = await CallAsync(two, HttpMethod.Patch, Conversation(two.ChannelId, Thread), "{\"status\":\"archived\"}");
        Assert.True(status == HttpStatusCode.OK, patched.ToString());
        Assert.Equal("archived", (await two.Sim.GetConversationStateAsync(survivorId)).Status);

        (status, var page, _) = await CallAsync(two, HttpMethod.Get, Conversation(two.ChannelId, Thread, "/messages"));
        Assert.True(status == HttpStatusCode.OK, page.ToString());
        Assert.Contains("pa-in/2", page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("external_id").GetString()));
    }

    [Fact]
    public async Task Unknown_ids_are_404_naming_the_id_on_every_route()
    {
        var (two, _, _, _) = await StartAsync();
        await using var owned = two;
        foreach (var (name, method, path, body) in Routes(two.ChannelId, "nobody/🚀 1", "nothing/🚀 2"))
        {
            var (status, answer, _) = await CallAsync(two, method, path, body);
            Assert.True(status == HttpStatusCode.NotFound, $"{name}: {(int)status} {answer}");
            Assert.Contains(name.Contains("seen", StringComparison.Ordinal) || name.Contains("status", StringComparison.Ordinal) ? "nothing/🚀 2" : "nobody/🚀 1",
                answer.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_deleted_channel_is_410_on_every_route()
    {
        var (two, _, reply, _) = await StartAsync();
        await using var owned = two;
        await two.Sim.DeleteChannelAsync(two.ChannelId);
        using (var delete = await two.Pipeline.Host.SendSignedAsync(HttpMethod.Delete, $"/api/front/channels/{two.ChannelId}", null))
        {
            Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        }

        await AssertEveryRouteAsync(two, reply, HttpStatusCode.Gone, "gone");
    }

    [Fact]
    public async Task Front_refusing_the_channel_token_is_403_naming_the_route_never_500()
    {
        var (two, _, reply, _) = await StartAsync();
        await using var owned = two;
        await two.Sim.SetChannelTokenRefusalsAsync(["*"]);
        foreach (var (name, method, path, body) in Routes(two.ChannelId, Thread, reply))
        {
            var (status, answer, _) = await CallAsync(two, method, path, body);
            Assert.True(status == HttpStatusCode.Forbidden, $"{name}: {(int)status} {answer}");
            Assert.Equal("front_forbidden", answer.GetProperty("type").GetString());
            Assert.Contains(" /", answer.GetProperty("message").GetString(), StringComparison.Ordinal); // "PATCH /conversations/{conversation_id}"
        }

        Assert.Equal(Routes(two.ChannelId, Thread, reply).Count(), Answered(await two.Sim.GetCountersAsync(), "403")); // one Front call per route: no retry loop
    }

    [Fact]
    public async Task Front_not_knowing_the_resource_is_passed_on_as_404_with_Fronts_message()
    {
        var (two, _, reply, _) = await StartAsync();
        await using var owned = two;
        // Front forgets everything (a new company with the same channel id): the map still holds the ids.
        await two.Sim.ResetAsync();
        await two.Sim.SetRateLimitAsync(10_000, 1_000);
        await two.Sim.CreateChannelAsync(two.ChannelId, RunningLocalHostAppUid, RunningLocalHostSecret, null);
        await AssertEveryRouteAsync(two, reply, HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task Front_rate_limiting_after_the_apps_retries_is_503_with_retry_after()
    {
        var (two, _, reply, _) = await StartAsync();
        await using var owned = two;
        await two.Sim.SetFaultsAsync(new FaultSettings { Burst429 = 10_000 });
        await AssertEveryRouteAsync(two, reply, HttpStatusCode.ServiceUnavailable, null, retryAfter: true);
    }

    [Fact]
    public async Task Front_failing_after_the_apps_retries_is_503_never_500()
    {
        var (two, _, reply, _) = await StartAsync();
        await using var owned = two;
        await two.Sim.SetFaultsAsync(new FaultSettings { ErrorRate = 1 });
        await AssertEveryRouteAsync(two, reply, HttpStatusCode.ServiceUnavailable, null, retryAfter: true);
    }

    private static async Task AssertEveryRouteAsync(TwoWayPipeline two, string reply, HttpStatusCode expected, string? type, bool retryAfter = false)
    {
        foreach (var (name, method, path, body) in Routes(two.ChannelId, Thread, reply))
        {
            var (status, answer, response) = await CallAsync(two, method, path, body);
            using (response)
            {
                Assert.True(status == expected, $"{name}: {(int)status} {answer}");
                if (type is not null)
                {
                    Assert.Equal(type, answer.GetProperty("type").GetString());
                }

                Assert.False(string.IsNullOrEmpty(answer.GetProperty("message").GetString()), name);
                if (retryAfter && !name.Contains("status", StringComparison.Ordinal))
                {
                    Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"{name}: no Retry-After");
                }
            }
        }
    }

    private static long Answered(SimulatorCounters counters, string status) =>
        counters.Requests.Sum(r => r.Value.TryGetValue(status, out var n) ? n : 0);

    private const string RunningLocalHostAppUid = FrontFunctions.Tests.Infrastructure.RunningLocalHost.AppUid;
    private const string RunningLocalHostSecret = FrontFunctions.Tests.Infrastructure.RunningLocalHost.AppSecret;
}
