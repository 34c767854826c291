using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FrontSimulator.Api;
using FrontSimulator.Control;
using FrontSimulator.Tests.Infrastructure;
using static FrontSimulator.Tests.Infrastructure.SimHarness;

namespace FrontSimulator.Tests.Integration;

/// <summary>
/// The conversation and message routes the partner API uses (core-api.json), with a channel token: every answer validates
/// against Front's own schema; changes show in the next read and in the control API; a merged id answers 301; the seen
/// route keeps Front's 10-per-hour limit; the external status route reopens the conversation; the refusal switch makes a
/// route answer 403 to a channel token.
/// </summary>
public sealed class ConversationApiTests : IAsyncLifetime
{
    private WebhookReceiver _webhook = null!;
    private SimHarness _h = null!;

    public async Task InitializeAsync()
    {
        _webhook = await WebhookReceiver.StartAsync();
        _webhook.AnswerFor = n => new { type = "success", external_id = $"reply/{n}", external_conversation_id = "thread/c" };
        _h = await StartAsync(_webhook.Url);
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        await _webhook.DisposeAsync();
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, string channel = ChannelA) =>
        _h.SendAsync(method, path, Token(channel), body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"));

    private async Task<string> ReadValidAsync(HttpResponseMessage response, Lazy<Json.Schema.JsonSchema> schema, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode} {text}");
        FrontSchemas.AssertValid(schema, text);
        return text;
    }

    [Fact]
    public async Task Status_assignee_and_tags_change_and_every_read_validates()
    {
        var message = await _h.ImportAndWaitAsync(ChannelA, "in/1", "thread/c");
        var path = $"/conversations/{message.ConversationId}";

        foreach (var (body, status) in new[]
        {
            ("{\"assignee_id\":\"tea_1\",\"tag_ids\":[\"tag_a\"]}", "assigned"),
            ("{\"status\":\"archived\"}", "archived"),
            ("{\"status\":\"open\",\"assignee_id\":null}", "unassigned"),
            ("{\"status\":\"deleted\"}", "deleted"),
        })
        {
            if (!body.Contains("null", StringComparison.Ordinal))
            {
                Assert.Empty(FrontSchemas.Errors(FrontSchemas.UpdateConversation, body)); // the spec's text: "set it to null to unassign", its schema: a string
            }

            using var patched = await SendAsync(HttpMethod.Patch, path, body);
            Assert.Equal(HttpStatusCode.NoContent, patched.StatusCode);
            using var read = await SendAsync(HttpMethod.Get, path, null);
            var json = JsonNode.Parse(await ReadValidAsync(read, FrontSchemas.ConversationResponse))!;
            Assert.Equal(status, json["status"]!.GetValue<string>());
        }

        using (var added = await SendAsync(HttpMethod.Post, path + "/tags", "{\"tag_ids\":[\"tag_b\",\"tag_c\"]}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, added.StatusCode);
        }

        using (var removed = await SendAsync(HttpMethod.Delete, path + "/tags", "{\"tag_ids\":[\"tag_a\"]}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using (var bad = await SendAsync(HttpMethod.Patch, path, "{\"status\":\"closed\"}"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        var state = await _h.Control.GetConversationStateAsync(message.ConversationId);
        Assert.Equal(["tag_b", "tag_c"], state.TagIds);
        Assert.Null(state.AssigneeId);
        Assert.Equal("deleted", state.Status);
    }

    [Fact]
    public async Task Comments_are_added_and_listed_as_Front_describes_them()
    {
        var message = await _h.ImportAndWaitAsync(ChannelA, "in/2", "thread/c");
        using var added = await SendAsync(HttpMethod.Post, $"/conversations/{message.ConversationId}/comments", "{\"body\":\"Ticket closed in the partner system\"}");
        var comment = JsonNode.Parse(await ReadValidAsync(added, FrontSchemas.CommentResponse, HttpStatusCode.Created))!;
        using var list = await SendAsync(HttpMethod.Get, $"/conversations/{message.ConversationId}/comments", null);
        var listed = JsonNode.Parse(await ReadValidAsync(list, FrontSchemas.ListOfComments))!;
        Assert.Equal(comment["id"]!.GetValue<string>(), listed["_results"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("Ticket closed in the partner system", Assert.Single((await _h.Control.GetConversationStateAsync(message.ConversationId)).Comments).Body);
    }

    [Fact]
    public async Task Messages_are_listed_newest_first_page_by_page_including_the_teammates()
    {
        var first = await _h.ImportAndWaitAsync(ChannelA, "in/3", "thread/c");
        await _h.ImportAndWaitAsync(ChannelA, "in/4", "thread/c");
        var reply = await _h.Control.SendTeammateMessageAsync(ChannelA, new TeammateMessage { ConversationId = first.ConversationId });
        Assert.Equal(200, reply.Status);

        var ids = new List<string>();
        var next = (string?)$"/conversations/{first.ConversationId}/messages?limit=2";
        while (next is not null)
        {
            using var page = await SendAsync(HttpMethod.Get, next, null);
            var json = JsonNode.Parse(await ReadValidAsync(page, FrontSchemas.ListOfMessages))!;
            ids.AddRange(json["_results"]!.AsArray().Select(m => m!["metadata"]!["external_id"]!.GetValue<string>()));
            next = json["_pagination"]!["next"]?.GetValue<string>() is { } link ? new Uri(link).PathAndQuery : null;
        }

        Assert.Equal([JsonNode.Parse(reply.Answer)!["external_id"]!.GetValue<string>(), "in/4", "in/3"], ids);
    }

    [Fact]
    public async Task A_message_is_marked_seen_at_most_10_times_an_hour_and_its_receipts_validate()
    {
        var reply = await _h.Control.SendTeammateMessageAsync(ChannelA, new TeammateMessage { ConversationId = null });
        var path = $"/messages/{reply.MessageId}/seen";
        for (var i = 0; i < 10; i++)
        {
            using var marked = await SendAsync(HttpMethod.Post, path, "{}");
            Assert.Equal(HttpStatusCode.NoContent, marked.StatusCode);
        }

        using var limited = await SendAsync(HttpMethod.Post, path, "{}");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        using var receipts = await SendAsync(HttpMethod.Get, path, null);
        Assert.Single(JsonNode.Parse(await ReadValidAsync(receipts, FrontSchemas.ListOfSeenReceipts))!["_results"]!.AsArray());
        using var otherChannel = await SendAsync(HttpMethod.Post, path, "{}", ChannelB);
        Assert.Equal(HttpStatusCode.NotFound, otherChannel.StatusCode);
    }

    [Fact]
    public async Task A_conversation_s_inboxes_are_its_channels_inboxes_and_validate()
    {
        var message = await _h.ImportAndWaitAsync(ChannelA, "in/inb", "thread/inb");

        using var inboxes = await SendAsync(HttpMethod.Get, $"/conversations/{message.ConversationId}/inboxes", null);
        var json = JsonNode.Parse(await ReadValidAsync(inboxes, FrontSchemas.ListOfInboxes))!;
        Assert.Equal("inb_" + ChannelA[4..], Assert.Single(json["_results"]!.AsArray())!["id"]!.GetValue<string>());
        using var otherChannel = await SendAsync(HttpMethod.Get, $"/conversations/{message.ConversationId}/inboxes", null, ChannelB);
        Assert.Equal(HttpStatusCode.NotFound, otherChannel.StatusCode);
    }

    [Fact]
    public async Task A_merged_conversation_answers_301_to_the_survivor_on_every_route()
    {
        var merged = await _h.ImportAndWaitAsync(ChannelA, "in/5", "thread/m1");
        var survivor = await _h.ImportAndWaitAsync(ChannelA, "in/6", "thread/m2");
        await _h.Control.MergeAsync(merged.ConversationId, survivor.ConversationId);

        using var patch = await SendAsync(HttpMethod.Patch, $"/conversations/{merged.ConversationId}", "{\"status\":\"archived\"}");
        Assert.Equal(HttpStatusCode.MovedPermanently, patch.StatusCode);
        Assert.EndsWith($"/conversations/{survivor.ConversationId}", patch.Headers.Location!.AbsolutePath, StringComparison.Ordinal);
        using var messages = await SendAsync(HttpMethod.Get, $"/conversations/{merged.ConversationId}/messages", null);
        Assert.Equal(HttpStatusCode.MovedPermanently, messages.StatusCode);
        Assert.Equal("unassigned", (await _h.Control.GetConversationStateAsync(survivor.ConversationId)).Status);
    }

    [Fact]
    public async Task The_refusal_switch_makes_a_route_answer_403_to_a_channel_token_only()
    {
        var message = await _h.ImportAndWaitAsync(ChannelA, "in/7", "thread/c");
        await _h.Control.SetChannelTokenRefusalsAsync([$"PATCH {ConversationEndpoints.ConversationRoute}"]);

        using var refused = await SendAsync(HttpMethod.Patch, $"/conversations/{message.ConversationId}", "{\"status\":\"archived\"}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var read = await SendAsync(HttpMethod.Get, $"/conversations/{message.ConversationId}", null);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        await _h.Control.SetChannelTokenRefusalsAsync(["*"]);
        using var all = await SendAsync(HttpMethod.Get, $"/conversations/{message.ConversationId}", null);
        Assert.Equal(HttpStatusCode.Forbidden, all.StatusCode);
        Assert.Equal("unassigned", (await _h.Control.GetConversationStateAsync(message.ConversationId)).Status);
    }

    [Fact]
    public async Task The_external_status_route_reopens_an_archived_conversation()
    {
        var reply = await _h.Control.SendTeammateMessageAsync(ChannelA, new TeammateMessage { ConversationId = null });
        using (var archived = await SendAsync(HttpMethod.Patch, $"/conversations/{reply.ConversationId}", "{\"status\":\"archived\"}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, archived.StatusCode);
        }

        using var failed = await SendAsync(HttpMethod.Put, $"/channels/{ChannelA}/conversations/{Uri.EscapeDataString("thread/c")}/messages/{Uri.EscapeDataString("reply/0")}/status", "{\"status\":\"failed\"}");
        Assert.Equal(HttpStatusCode.NoContent, failed.StatusCode);
        Assert.Equal("unassigned", (await _h.Control.GetConversationStateAsync(reply.ConversationId)).Status);
        Assert.Equal("failed", Assert.Single((await _h.Control.GetSentMessagesAsync(ChannelA)).Messages).Status);
    }
}
