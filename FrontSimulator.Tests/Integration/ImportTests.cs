using System.Net;
using System.Text.Json.Nodes;
using FrontFunctions.TestSupport;
using FrontSimulator.Control;
using FrontSimulator.Tests.Infrastructure;
using static FrontSimulator.Tests.Infrastructure.SimHarness;

namespace FrontSimulator.Tests.Integration;

/// <summary>The sync import endpoints: schema rules, 202/400 bodies, threading, delayed creation.</summary>
public sealed class ImportTests : IAsyncLifetime
{
    private SimHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    public static TheoryData<string, string, string> InvalidBodies() => new()
    {
        // endpoint, body, a fragment the error message must contain
        { "inbound_messages", """{"body":"x","metadata":{"external_id":"e","external_conversation_id":"c"}}""", "sender is required" },
        { "inbound_messages", """{"sender":{},"body":"x","metadata":{"external_id":"e","external_conversation_id":"c"}}""", "sender.handle is required" },
        { "inbound_messages", """{"sender":{"handle":"h"},"metadata":{"external_id":"e","external_conversation_id":"c"}}""", "body is required" },
        { "inbound_messages", """{"sender":{"handle":"h"},"body":"x"}""", "metadata is required" },
        { "inbound_messages", """{"sender":{"handle":"h"},"body":"x","metadata":{"external_conversation_id":"c"}}""", "metadata.external_id is required" },
        { "inbound_messages", """{"sender":{"handle":"h"},"body":"x","metadata":{"external_id":"e"}}""", "metadata.external_conversation_id is required" },
        { "inbound_messages", """{"sender":{"handle":"h"},"body":42,"metadata":{"external_id":"e","external_conversation_id":"c"}}""", "body must be a string" },
        { "inbound_messages", """{"sender":{"handle":"h"},"body":"x","delivered_at":"yesterday","metadata":{"external_id":"e","external_conversation_id":"c"}}""", "delivered_at must be an integer" },
        { "inbound_messages", "[1,2]", "JSON object" },
        { "inbound_messages", "{not json", "not valid JSON" },
        { "outbound_messages", """{"body":"x","metadata":{"external_id":"e","external_conversation_id":"c"}}""", "to is required" },
        { "outbound_messages", """{"to":[{"name":"n"}],"body":"x","metadata":{"external_id":"e","external_conversation_id":"c"}}""", "to[0].handle is required" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task An_invalid_body_is_400_with_an_error_naming_the_problem(string endpoint, string body, string expected)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _h.SendAsync(HttpMethod.Post, $"/channels/{ChannelA}/{endpoint}", Token(ChannelA), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["_error"]!;
        Assert.Equal(400, error["status"]!.GetValue<int>());
        Assert.Equal("Bad request", error["title"]!.GetValue<string>());
        Assert.Contains(expected, error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("external_id")]
    [InlineData("external_conversation_id")]
    [InlineData("referenced_message_external_id")]
    public async Task Ids_longer_than_200_characters_are_400_and_200_unicode_characters_are_fine(string field)
    {
        var tooLong = Inbound("e", "c");
        tooLong["metadata"]![field] = new string('x', 201);
        var longest = Inbound("e", "c");
        longest["metadata"]![field] = string.Concat(Enumerable.Repeat("😀", 200)); // 400 UTF-16 units, 200 characters

        using var refused = await _h.PostAsync($"/channels/{ChannelA}/inbound_messages", tooLong, Token(ChannelA));
        using var accepted = await _h.PostAsync($"/channels/{ChannelA}/inbound_messages", longest, Token(ChannelA));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains($"metadata.{field} must be at most 200 characters", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    [Fact]
    public async Task Accepted_inbound_and_outbound_imports_answer_202_with_a_body_valid_against_the_spec()
    {
        var outbound = new JsonObject
        {
            ["to"] = new JsonArray(new JsonObject { ["handle"] = "+15550100", ["name"] = "Bob" }),
            ["sender_name"] = "Support",
            ["body"] = "Reply",
            ["metadata"] = new JsonObject { ["external_id"] = "out-1", ["external_conversation_id"] = "c 1/#?\\" },
        };

        using var inbound = await _h.PostAsync($"/channels/{ChannelA}/inbound_messages", Inbound("in-1", "c 1/#?\\"), Token(ChannelA));
        using var outboundResponse = await _h.PostAsync($"/channels/{ChannelA}/outbound_messages", outbound, Token(ChannelA));

        foreach (var response in new[] { inbound, outboundResponse })
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            FrontSchemas.AssertValid(FrontSchemas.AcceptedMessage, text);
            FrontSchemas.AssertValid(FrontSchemas.CoreAcceptedMessage, text);
            var json = JsonNode.Parse(text)!;
            Assert.Equal("accepted", json["status"]!.GetValue<string>());
            Assert.Matches("^[0-9a-f]{32}$", json["message_uid"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_lost_import_answer_still_creates_the_message_and_a_delayed_one_answers_late()
    {
        await _h.Control.SetFaultsAsync(new FaultSettings { ImportAnswer = "drop" });
        await Assert.ThrowsAsync<HttpRequestException>(async () =>
        {
            using var _ = await _h.PostAsync($"/channels/{ChannelA}/inbound_messages", Inbound("lost-1", "c-lost"), Token(ChannelA));
        });

        await _h.Control.SetFaultsAsync(new FaultSettings { ImportAnswer = "delay", ImportAnswerDelayMs = 300 });
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var late = await _h.PostAsync($"/channels/{ChannelA}/inbound_messages", Inbound("late-1", "c-lost"), Token(ChannelA));
        Assert.Equal(HttpStatusCode.Accepted, late.StatusCode);
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(280), $"answered after {started.Elapsed}");

        await _h.Control.SetFaultsAsync(new FaultSettings { ImportAnswer = "none" });
        var messages = await Eventually.UntilAsync(
            async () => (await _h.Control.GetChannelAsync(ChannelA)).Conversations.SelectMany(c => c.Messages).ToList() is { Count: 2 } list ? list : null,
            "both messages created");
        Assert.Equal(["late-1", "lost-1"], messages.Select(m => m.ExternalId).Order());
        var counters = await _h.Control.GetCountersAsync();
        Assert.Equal(1, counters.Requests["POST /channels/{channel_id}/inbound_messages"].GetValueOrDefault("dropped"));
        Assert.Equal(1, counters.Faults.ConnectionsDropped);
    }

    [Fact]
    public async Task Messages_with_the_same_external_conversation_id_thread_into_one_conversation()
    {
        var first = await _h.ImportAndWaitAsync(ChannelA, "m1", "thread-1");
        var second = await _h.ImportAndWaitAsync(ChannelA, "m2", "thread-1");
        var other = await _h.ImportAndWaitAsync(ChannelA, "m3", "thread-2");

        Assert.Equal(first.ConversationId, second.ConversationId);
        Assert.NotEqual(first.ConversationId, other.ConversationId);
        var snapshot = await _h.Control.GetChannelAsync(ChannelA);
        Assert.Equal(2, snapshot.Conversations.Count);
        Assert.Equal(["thread-1"], snapshot.Conversations.Single(c => c.Id == first.ConversationId).ExternalConversationIds);
    }

    [Fact]
    public async Task The_message_does_not_exist_before_the_import_delay_and_alt_uid_404s_until_then()
    {
        await _h.Control.SetImportDelayAsync(TimeSpan.FromSeconds(2));
        using var accepted = await _h.PostAsync($"/channels/{ChannelA}/inbound_messages", Inbound("late-1", "late"), Token(ChannelA));
        var uid = JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["message_uid"]!.GetValue<string>();

        using var early = await _h.GetAsync($"/messages/alt:uid:{uid}", Token(ChannelA));
        Assert.Equal(HttpStatusCode.NotFound, early.StatusCode);
        Assert.Contains(uid, (await _h.Control.GetChannelAsync(ChannelA)).PendingMessageUids);

        var body = await Eventually.UntilAsync(
            async () =>
            {
                using var r = await _h.GetAsync($"/messages/alt:uid:{uid}", Token(ChannelA));
                return r.StatusCode == HttpStatusCode.OK ? await r.Content.ReadAsStringAsync() : null;
            },
            "the imported message");
        var message = JsonNode.Parse(body)!;
        Assert.Equal(uid, message["message_uid"]!.GetValue<string>());
        Assert.Equal("late-1", message["metadata"]!["external_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Messages_and_conversations_validate_against_the_spec_for_both_token_kinds()
    {
        var message = await _h.ImportAndWaitAsync(ChannelA, "ext/1#?", "conv 1");
        var outboundImport = await _h.Control.ImportOutboundAsync(ChannelA, AppUid, SecretA, "out/1", "conv 1", "<b>Reply</b>");
        var outbound = await _h.WaitForMessageAsync(ChannelA, outboundImport.MessageUid!);
        var company = new SimulatorOptions().CompanyApiToken;

        foreach (var token in new[] { Token(ChannelA), company })
        {
            foreach (var path in new[] { $"/messages/{message.Id}", $"/messages/alt:uid:{message.MessageUid}", $"/messages/{outbound.Id}" })
            {
                using var response = await _h.GetAsync(path, token);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                FrontSchemas.AssertValid(FrontSchemas.MessageResponse, await response.Content.ReadAsStringAsync());
            }

            using var conversation = await _h.GetAsync($"/conversations/{message.ConversationId}", token);
            Assert.Equal(HttpStatusCode.OK, conversation.StatusCode);
            FrontSchemas.AssertValid(FrontSchemas.ConversationResponse, await conversation.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task A_channel_token_read_carries_the_external_ids_and_links_on_the_company_host()
    {
        var message = await _h.ImportAndWaitAsync(ChannelA, "ext-7", "conv-7");

        using var messageResponse = await _h.GetAsync($"/messages/{message.Id}", Token(ChannelA));
        using var conversationResponse = await _h.GetAsync($"/conversations/{message.ConversationId}", Token(ChannelA));
        var json = JsonNode.Parse(await messageResponse.Content.ReadAsStringAsync())!;
        var conversation = JsonNode.Parse(await conversationResponse.Content.ReadAsStringAsync())!;

        Assert.Equal(message.Id, json["id"]!.GetValue<string>());
        Assert.Equal("ext-7", json["metadata"]!["external_id"]!.GetValue<string>());
        Assert.Equal($"https://acme.api.frontapp.com/messages/{message.Id}", json["_links"]!["self"]!.GetValue<string>());
        Assert.Equal($"https://acme.api.frontapp.com/conversations/{message.ConversationId}",
            json["_links"]!["related"]!["conversation"]!.GetValue<string>());
        Assert.Equal(["conv-7"], conversation["metadata"]!["external_conversation_ids"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public async Task The_schema_check_is_not_vacuous()
    {
        var message = await _h.ImportAndWaitAsync(ChannelA, "e", "c");
        using var response = await _h.GetAsync($"/messages/{message.Id}", Token(ChannelA));
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

        var wrongType = json.DeepClone().AsObject();
        wrongType["is_inbound"] = "yes";
        var misspelt = json.DeepClone().AsObject();
        misspelt["message_id"] = "msg_1";
        var badEnum = json.DeepClone().AsObject();
        badEnum["type"] = "carrier-pigeon";

        Assert.NotEmpty(FrontSchemas.Errors(FrontSchemas.MessageResponse, wrongType.ToJsonString()));
        Assert.NotEmpty(FrontSchemas.Errors(FrontSchemas.MessageResponse, misspelt.ToJsonString()));
        Assert.NotEmpty(FrontSchemas.Errors(FrontSchemas.MessageResponse, badEnum.ToJsonString()));
        Assert.NotEmpty(FrontSchemas.Errors(FrontSchemas.ConversationResponse, """{"id":"cnv_1"}"""));
    }

    [Fact]
    public async Task The_convenience_import_of_the_control_client_works()
    {
        var result = await _h.Control.ImportInboundAsync(ChannelA, AppUid, SecretA, "conv-ext", "conv-thread", "hello");

        Assert.Equal(202, result.StatusCode);
        Assert.NotNull(result.MessageUid);
        var created = await _h.WaitForMessageAsync(ChannelA, result.MessageUid!);
        Assert.Equal("conv-ext", created.ExternalId);
    }
}
