using FrontFunctions.Tests.Infrastructure;
using FrontSimulator.Control;

namespace FrontFunctions.Tests.Integration.Enrichment;

/// <summary>
/// A merge in Front repoints the id map: once the app learns of it (a later notification for the survivor lists both
/// external conversation ids), the merged-away external conversation id and its earlier messages answer the survivor.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class MergeRepointsRowsTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_merge_repoints_the_merged_away_conversation_and_its_messages(bool notificationsCarryMetadata)
    {
        await using var pipeline = await EnrichmentPipeline.StartAsync();
        await pipeline.Sim.SetNotificationsAsync(new NotificationSettings
        {
            IncludeExternalId = notificationsCarryMetadata,
            IncludeMessageUid = notificationsCarryMetadata,
        });

        await pipeline.ImportAsync("merge/a-1", "merge thread A");
        await pipeline.ImportAsync("merge/a-2", "merge thread A");
        await pipeline.ImportAsync("merge/b-1", "merge thread B");
        var before = await pipeline.WaitCreatedAsync(3);
        await pipeline.AssertMapMatchesAsync(before);
        var cnvA = before.Conversations.Single(c => c.ExternalConversationIds.Single() == "merge thread A").Id;
        var cnvB = before.Conversations.Single(c => c.ExternalConversationIds.Single() == "merge thread B").Id;
        var messageA1 = before.Conversations.Single(c => c.Id == cnvA).Messages.Single(m => m.ExternalId == "merge/a-1").Id;

        await pipeline.Sim.MergeAsync(cnvA, cnvB);
        // One more message into the merged-away thread: Front files it in the survivor and notifies with both ids.
        await pipeline.ImportAsync("merge/a-3", "merge thread A");
        var after = await pipeline.WaitCreatedAsync(4);
        Assert.Equal(cnvB, EnrichmentPipeline.SurvivorOf(after, cnvA));
        Assert.Equal(
            ["merge thread A", "merge thread B"],
            EnrichmentPipeline.Sorted(after.Conversations.Single(c => c.Id == cnvB).ExternalConversationIds));

        // The merged-away external conversation id answers the survivor, which lists both external ids.
        var conversationA = await pipeline.WaitForAsync(
            pipeline.ConversationByExternalId("merge thread A"), c => c.GetProperty("conversation_id").GetString() == cnvB);
        Assert.Equal(["merge thread A", "merge thread B"], EnrichmentPipeline.Sorted(EnrichmentPipeline.Ids(conversationA)));
        var survivor = await pipeline.WaitForAsync(pipeline.ConversationByFrontId(cnvB), c => EnrichmentPipeline.Ids(c).Count() == 2);
        Assert.Equal(["merge thread A", "merge thread B"], EnrichmentPipeline.Sorted(EnrichmentPipeline.Ids(survivor)));
        var byOldFrontId = await pipeline.WaitForAsync(pipeline.ConversationByFrontId(cnvA), c => c.GetProperty("conversation_id").GetString() == cnvB);
        Assert.Equal(["merge thread A", "merge thread B"], EnrichmentPipeline.Sorted(EnrichmentPipeline.Ids(byOldFrontId)));

        // Earlier messages of the merged-away conversation answer the survivor, both ways.
        foreach (var externalId in new[] { "merge/a-1", "merge/a-2", "merge/a-3", "merge/b-1" })
        {
            var message = await pipeline.WaitForAsync(
                pipeline.MessageByExternalId(externalId), m => m.GetProperty("conversation_id").GetString() == cnvB);
            Assert.Equal(["merge thread A", "merge thread B"], EnrichmentPipeline.Sorted(EnrichmentPipeline.Ids(message)));
        }

        var a1 = await pipeline.WaitForAsync(pipeline.MessageByFrontId(messageA1), m => m.GetProperty("conversation_id").GetString() == cnvB);
        Assert.Equal("merge/a-1", a1.GetProperty("external_id").GetString());

        // And the whole map agrees with the simulator's state after the merge.
        await pipeline.AssertMapMatchesAsync(after);

        // A replay of a notification from before the merge (Front delivers at least once, late) does not undo it.
        var mappedBefore = pipeline.MappedLogLines();
        var replay = await pipeline.Host.SendSignedAsync(
            HttpMethod.Post, $"/api/front/channels/{pipeline.ChannelId}", FrontPayloads.MessageImported(messageA1, cnvA, ["merge thread A"], "merge/a-1"));
        Assert.Equal(System.Net.HttpStatusCode.OK, replay.StatusCode);
        await pipeline.WaitAsync(() => Task.FromResult(pipeline.MappedLogLines() > mappedBefore), "the replayed notification to be enriched");
        await pipeline.AssertMapMatchesAsync(after);
    }

    /// <summary>
    /// The app learns the merge from Front itself: a notification sent before the merge (it still names the merged-away
    /// conversation and carries no external id) arrives after it; reading the message from Front shows it now lives in
    /// the survivor, which is recorded as a confirmed merge and repoints every row.
    /// </summary>
    [Fact]
    public async Task A_late_notification_naming_the_merged_away_conversation_repoints_it_through_Front()
    {
        await using var pipeline = await EnrichmentPipeline.StartAsync();
        await pipeline.ImportAsync("late/a-1", "late thread A");
        await pipeline.ImportAsync("late/a-2", "late thread A");
        await pipeline.ImportAsync("late/b-1", "late thread B");
        var before = await pipeline.WaitCreatedAsync(3);
        await pipeline.AssertMapMatchesAsync(before);
        var cnvA = before.Conversations.Single(c => c.ExternalConversationIds.Single() == "late thread A").Id;
        var cnvB = before.Conversations.Single(c => c.ExternalConversationIds.Single() == "late thread B").Id;

        // A third message in A whose notification the simulator does not send (no webhook for now): it is delivered
        // below, after the merge, as Front would deliver a notification that was late.
        await pipeline.Sim.CreateChannelAsync(pipeline.ChannelId, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, webhookUrl: null);
        await pipeline.ImportAsync("late/a-3", "late thread A");
        var created = await pipeline.WaitCreatedAsync(4);
        var a3 = created.Conversations.Single(c => c.Id == cnvA).Messages.Single(m => m.ExternalId == "late/a-3").Id;
        await pipeline.Sim.MergeAsync(cnvA, cnvB);
        var after = await pipeline.WaitCreatedAsync(4);
        var messageReadsBefore = EnrichmentPipeline.Calls(await pipeline.Sim.GetCountersAsync(), EnrichmentPipeline.GetMessageRoute, s => s == "200");

        var response = await pipeline.Host.SendSignedAsync(
            HttpMethod.Post, $"/api/front/channels/{pipeline.ChannelId}", FrontPayloads.MessageImported(a3, cnvA, ["late thread A"]));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);

        var conversationA = await pipeline.WaitForAsync(
            pipeline.ConversationByExternalId("late thread A"), c => c.GetProperty("conversation_id").GetString() == cnvB);
        Assert.Equal(["late thread A", "late thread B"], EnrichmentPipeline.Sorted(EnrichmentPipeline.Ids(conversationA)));
        foreach (var externalId in new[] { "late/a-1", "late/a-2", "late/a-3", "late/b-1" })
        {
            var message = await pipeline.WaitForAsync(
                pipeline.MessageByExternalId(externalId), m => m.GetProperty("conversation_id").GetString() == cnvB);
            Assert.Equal(["late thread A", "late thread B"], EnrichmentPipeline.Sorted(EnrichmentPipeline.Ids(message)));
        }

        await pipeline.AssertMapMatchesAsync(after);
        var counters = await pipeline.Sim.GetCountersAsync();
        Assert.True(
            EnrichmentPipeline.Calls(counters, EnrichmentPipeline.GetMessageRoute, s => s == "200") > messageReadsBefore,
            "the app asked Front about the late message");
    }
}
