using System.Net;
using System.Text.Json;
using FrontFunctions.Outbound;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator.Control;
using StandardWebhooks;

namespace FrontFunctions.Tests.Integration.Outbound;

/// <summary>
/// Issue 11, the answer path: <c>message</c> and <c>message_autoreply</c> sent by the Front simulator to the local host
/// (real HTTP, real queue listener, Azurite) are answered from the id map, recorded both ways, and delivered to a partner
/// receiver on loopback, signed the Standard Webhooks way.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class TwoWayChannelTests
{
    [Fact]
    public async Task A_reply_in_a_mapped_conversation_is_answered_with_its_external_conversation_id_and_recorded_both_ways()
    {
        await using var two = await TwoWayPipeline.StartAsync();
        var conversationId = await two.ImportMappedAsync("in/1 #?", "thread/A b");

        var (result, answer) = await two.ReplyAsync(new TeammateMessage { ConversationId = conversationId, Body = "<p>Thanks!</p>" });

        Assert.Equal("success", answer.Type);
        Assert.Equal("thread/A b", answer.ExternalConversationId);
        Assert.Equal("front:" + result.MessageId, answer.ExternalId);
        var byExternal = await two.Pipeline.GetAsync(two.Pipeline.MessageByExternalId(answer.ExternalId));
        Assert.Equal(HttpStatusCode.OK, byExternal.Status);
        Assert.Equal(result.MessageId, byExternal.Body.GetProperty("message_id").GetString());
        Assert.Equal(conversationId, byExternal.Body.GetProperty("conversation_id").GetString());
        var byFront = await two.Pipeline.GetAsync(two.Pipeline.MessageByFrontId(result.MessageId!));
        Assert.Equal(answer.ExternalId, byFront.Body.GetProperty("external_id").GetString());
    }

    [Fact]
    public async Task A_reply_in_a_merged_away_conversation_is_answered_with_one_of_the_survivors_ids()
    {
        await using var two = await TwoWayPipeline.StartAsync();
        var survivor = await two.ImportMappedAsync("m-a1", "xa");
        var merged = await two.ImportMappedAsync("m-b1", "xb");
        Assert.NotEqual(survivor, merged);
        await two.Sim.MergeAsync(merged, survivor);
        // The map learns of the merge from the next notification of the thread (it lists both ids).
        await two.Pipeline.ImportAsync("m-b2", "xb");
        await two.Pipeline.WaitForAsync(two.Pipeline.ConversationByFrontId(merged), c => c.GetProperty("conversation_id").GetString() == survivor);

        var (result, answer) = await two.ReplyAsync(new TeammateMessage { ConversationId = merged });

        Assert.Contains(answer.ExternalConversationId, new[] { "xa", "xb" });
        var recorded = await two.Pipeline.GetAsync(two.Pipeline.MessageByFrontId(result.MessageId!));
        Assert.Equal(survivor, recorded.Body.GetProperty("conversation_id").GetString());
    }

    [Fact]
    public async Task A_reply_in_an_unmapped_conversation_gets_a_minted_id_that_the_next_reply_reuses()
    {
        await using var two = await TwoWayPipeline.StartAsync();

        var (first, firstAnswer) = await two.ReplyAsync(new TeammateMessage { ConversationId = null });
        var (_, secondAnswer) = await two.ReplyAsync(new TeammateMessage { ConversationId = first.ConversationId, Body = "again" });

        Assert.Equal("front:" + first.ConversationId, firstAnswer.ExternalConversationId);
        Assert.Equal(firstAnswer.ExternalConversationId, secondAnswer.ExternalConversationId);
        Assert.NotEqual(firstAnswer.ExternalId, secondAnswer.ExternalId);
        var conversation = await two.Pipeline.GetAsync(two.Pipeline.ConversationByExternalId(firstAnswer.ExternalConversationId));
        Assert.Equal(HttpStatusCode.OK, conversation.Status);
        Assert.Equal(first.ConversationId, conversation.Body.GetProperty("conversation_id").GetString());
        Assert.Equal([firstAnswer.ExternalConversationId], Enrichment.EnrichmentPipeline.Ids(conversation.Body));
    }

    /// <summary>
    /// Randomized interleaving: replies racing in new conversations (2 to 4 at once per conversation, several conversations
    /// at once, random start offsets) each get one external conversation id per conversation, and the map holds just that one.
    /// </summary>
    [Fact]
    public async Task Replies_racing_in_a_new_conversation_all_get_the_same_single_minted_id()
    {
        await using var two = await TwoWayPipeline.StartAsync(deliver: false);
        var seed = Environment.GetEnvironmentVariable("TwoWay_Seed") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        var random = new Random(seed);
        for (var round = 0; round < 3; round++)
        {
            var conversations = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                conversations.Add(await NewSimulatorConversationAsync(two));
            }

            var sends = conversations.SelectMany(c => Enumerable.Range(0, random.Next(2, 5)).Select(_ => (Conversation: c, Delay: random.Next(0, 15)))).ToList();
            var answers = await Task.WhenAll(sends.Select(async send =>
            {
                await Task.Delay(send.Delay);
                var (_, answer) = await two.ReplyAsync(new TeammateMessage { ConversationId = send.Conversation });
                return (send.Conversation, answer);
            }));

            foreach (var conversation in conversations)
            {
                var ids = answers.Where(a => a.Conversation == conversation).Select(a => a.answer.ExternalConversationId).Distinct().ToList();
                Assert.True(ids.Count == 1, $"seed {seed}: conversation {conversation} was answered with {ids.Count} ids: {string.Join(", ", ids)} (TwoWay_Seed={seed} replays)");
                var mapped = await two.Pipeline.GetAsync(two.Pipeline.ConversationByFrontId(conversation));
                Assert.Equal(ids, Enrichment.EnrichmentPipeline.Ids(mapped.Body).ToList());
            }
        }
    }

    /// <summary>A conversation the simulator knows and the map does not.</summary>
    private static async Task<string> NewSimulatorConversationAsync(TwoWayPipeline two)
    {
        var conversationId = await two.Sim.CreateConversationAsync(two.ChannelId);
        var mapped = await two.Pipeline.GetAsync(two.Pipeline.ConversationByFrontId(conversationId));
        Assert.Equal(HttpStatusCode.NotFound, mapped.Status);
        return conversationId;
    }

    [Fact]
    public async Task A_redelivered_message_and_autoreply_get_the_identical_answer_and_the_same_webhook_id()
    {
        await using var two = await TwoWayPipeline.StartAsync();
        var conversationId = await two.ImportMappedAsync("r-1", "thread-r");

        var (message, messageAnswer) = await two.ReplyAsync(new TeammateMessage { ConversationId = conversationId });
        var again = await two.Sim.RedeliverAsync(two.ChannelId, message.Request);
        Assert.Equal(200, again.Status);
        Assert.Equal(messageAnswer, TwoWayPipeline.Answer.Parse(again.Answer));

        var (autoreply, autoAnswer) = await two.ReplyAsync(new TeammateMessage
        {
            ConversationId = conversationId, Autoreply = true, RepliedTo = message.MessageId, Body = "<p>Out of office</p>",
        });
        Assert.Null(autoreply.MessageId);
        Assert.StartsWith("front:autoreply:" + message.MessageId + ":", autoAnswer.ExternalId, StringComparison.Ordinal);
        Assert.Equal("thread-r", autoAnswer.ExternalConversationId);
        var autoAgain = await two.Sim.RedeliverAsync(two.ChannelId, autoreply.Request);
        Assert.Equal(autoAnswer, TwoWayPipeline.Answer.Parse(autoAgain.Answer));
        var byExternal = await two.Pipeline.GetAsync(two.Pipeline.MessageByExternalId(autoAnswer.ExternalId));
        Assert.Equal(HttpStatusCode.OK, byExternal.Status);
        Assert.Equal(conversationId, byExternal.Body.GetProperty("conversation_id").GetString());

        // Four deliveries, two webhook ids: the partner de-duplicates by webhook-id.
        await two.Pipeline.WaitAsync(() => Task.FromResult(two.Partner.Received.Count(r => r.Body.Contains(two.ChannelId, StringComparison.Ordinal)) >= 4), "four deliveries");
        var ids = two.Partner.Received.Where(r => r.Body.Contains(two.ChannelId, StringComparison.Ordinal)).GroupBy(r => r.WebhookId).ToList();
        Assert.Equal(2, ids.Count);
        Assert.All(ids, g => Assert.Equal(2, g.Count()));
        Assert.All(ids, g => Assert.Single(g.Select(r => r.Body).Distinct()));
    }

    [Fact]
    public async Task The_partner_receives_each_message_as_a_documented_event_whose_signature_the_StandardWebhooks_package_verifies()
    {
        await using var two = await TwoWayPipeline.StartAsync();
        var conversationId = await two.ImportMappedAsync("p-1", "thread-p");

        var (result, answer) = await two.ReplyAsync(new TeammateMessage
        {
            ConversationId = conversationId,
            Body = "<p>Here is the invoice</p>",
            Subject = "Invoice",
            To = "+15550100",
            AuthorEmail = "ada@example.com",
            Attachments = [new AttachmentSpec("invoice.pdf", "application/pdf", 12345)],
        });

        await two.Pipeline.WaitAsync(() => Task.FromResult(two.Partner.Received.Any(r => r.Body.Contains(answer.ExternalId, StringComparison.Ordinal))), "the delivery");
        var received = Assert.Single(two.Partner.Received, r => r.Body.Contains(answer.ExternalId, StringComparison.Ordinal));

        new StandardWebhook(two.Secret).Verify(received.Body, received.Headers); // throws WebhookVerificationException when wrong
        Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() =>
            new StandardWebhook(PartnerOptions.SecretPrefix + Convert.ToBase64String(new byte[32])).Verify(received.Body, received.Headers));
        Assert.Equal(OutboundItem.WebhookIdFor(two.ChannelId, answer.ExternalId), received.WebhookId);

        var root = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal("message", root.GetProperty("type").GetString());
        var data = root.GetProperty("data");
        Assert.Equal(two.ChannelId, data.GetProperty("channel_id").GetString());
        Assert.Equal(result.MessageId, data.GetProperty("message_id").GetString());
        Assert.Equal(conversationId, data.GetProperty("conversation_id").GetString());
        Assert.Equal(answer.ExternalId, data.GetProperty("external_id").GetString());
        Assert.Equal("thread-p", data.GetProperty("external_conversation_id").GetString());
        Assert.Equal("ada@example.com", data.GetProperty("author").GetProperty("email").GetString());
        Assert.Equal("+15550100", data.GetProperty("recipients")[0].GetProperty("handle").GetString());
        Assert.Equal("Here is the invoice", data.GetProperty("text").GetString());
        Assert.Equal("<p>Here is the invoice</p>", data.GetProperty("body").GetString());
        Assert.Equal("Invoice", data.GetProperty("subject").GetString());
        var attachment = Assert.Single(data.GetProperty("attachments").EnumerateArray());
        Assert.Equal("invoice.pdf", attachment.GetProperty("filename").GetString());
        Assert.Equal(12345, attachment.GetProperty("size").GetInt64());
        Assert.True(DateTimeOffset.TryParse(data.GetProperty("created_at").GetString(), System.Globalization.CultureInfo.InvariantCulture, out var created));
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - created).TotalMinutes) < 5);
    }

    [Fact]
    public async Task A_message_too_large_for_a_queue_message_is_delivered_through_a_blob_that_is_then_deleted()
    {
        await using var two = await TwoWayPipeline.StartAsync();
        var body = "<p>" + string.Concat(Enumerable.Range(0, 8_000).Select(i => "é" + i)) + "</p>"; // > 46 KiB as JSON

        var (_, answer) = await two.ReplyAsync(new TeammateMessage { ConversationId = null, Body = body });

        await two.Pipeline.WaitAsync(() => Task.FromResult(two.Partner.Received.Any(r => r.Body.Contains(answer.ExternalId, StringComparison.Ordinal))), "the delivery");
        var received = two.Partner.Received.First(r => r.Body.Contains(answer.ExternalId, StringComparison.Ordinal));
        new StandardWebhook(two.Secret).Verify(received.Body, received.Headers);
        Assert.Equal(body, JsonDocument.Parse(received.Body).RootElement.GetProperty("data").GetProperty("body").GetString());
        var blobs = TestStorage.Blobs().GetBlobContainerClient(FrontFunctions.Storage.StorageNames.PayloadContainer);
        var prefix = OutboundQueue.BlobPrefix + two.ChannelId + "/";
        await two.Pipeline.WaitAsync(async () =>
        {
            await foreach (var _ in blobs.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, CancellationToken.None))
            {
                return false;
            }

            return true;
        }, "the event blob's deletion");
    }

    [Fact]
    public async Task A_message_on_a_deleted_channel_is_refused_with_410_and_nothing_is_recorded()
    {
        await using var two = await TwoWayPipeline.StartAsync(deliver: false);
        await two.Sim.DeleteChannelAsync(two.ChannelId); // Front removes the channel, then tells the app
        var delete = await two.Pipeline.Host.SendSignedAsync(HttpMethod.Delete, $"/api/front/channels/{two.ChannelId}", null);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);

        var result = await two.Sim.SendTeammateMessageAsync(two.ChannelId, new TeammateMessage { ConversationId = null });

        Assert.Equal(410, result.Status);
        Assert.Contains("deleted", result.Answer, StringComparison.Ordinal);
        var mapped = await two.Pipeline.GetAsync(two.Pipeline.MessageByFrontId(result.MessageId!));
        Assert.Equal(HttpStatusCode.NotFound, mapped.Status);
    }

    [Fact]
    public async Task A_message_after_a_delete_is_refused_although_the_channel_was_read_as_active_a_moment_before()
    {
        // The answer reads the channel's status from this instance's memory for ChannelRegistry.RecentFor: a delete handled
        // by the same instance must show at once.
        await using var two = await TwoWayPipeline.StartAsync(deliver: false);
        var before = await two.Sim.SendTeammateMessageAsync(two.ChannelId, new TeammateMessage { ConversationId = null });
        Assert.Equal(200, before.Status);
        await two.Sim.DeleteChannelAsync(two.ChannelId); // Front removes the channel, then tells the app
        var delete = await two.Pipeline.Host.SendSignedAsync(HttpMethod.Delete, $"/api/front/channels/{two.ChannelId}", null);
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);

        var result = await two.Sim.SendTeammateMessageAsync(two.ChannelId, new TeammateMessage { ConversationId = before.ConversationId });

        Assert.Equal(410, result.Status);
        var mapped = await two.Pipeline.GetAsync(two.Pipeline.MessageByFrontId(result.MessageId!));
        Assert.Equal(HttpStatusCode.NotFound, mapped.Status);
    }
}
