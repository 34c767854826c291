using FrontFunctions.Tests.Infrastructure;
using FrontSimulator.Control;

namespace FrontFunctions.Tests.Integration.Enrichment;

/// <summary>
/// Several conversations × messages imported through the simulator end in the id map both ways, through the real ingest
/// queue; the Front calls spent depend on what the notifications carry.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class ImportsToRowsTests
{
    private const int Conversations = 3;
    private const int MessagesPerConversation = 3;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_imported_message_is_mapped_both_ways(bool notificationsCarryMetadata)
    {
        await using var pipeline = await EnrichmentPipeline.StartAsync();
        await pipeline.Sim.SetNotificationsAsync(new NotificationSettings
        {
            IncludeExternalId = notificationsCarryMetadata,
            IncludeMessageUid = notificationsCarryMetadata,
        });

        // Ids as a partner system may spell them: separators, query characters, spaces, unicode.
        var expected = new Dictionary<string, string>(); // external message id → external conversation id
        for (var m = 0; m < MessagesPerConversation; m++)
        {
            for (var c = 0; c < Conversations; c++)
            {
                var thread = $"thread/{c} #é?";
                var externalId = $"msg {c}.{m}/ü#?&x=1";
                expected[externalId] = thread;
                await pipeline.ImportAsync(externalId, thread);
            }
        }

        var snapshot = await pipeline.WaitCreatedAsync(expected.Count);
        Assert.Equal(Conversations, snapshot.Conversations.Count);
        Assert.All(snapshot.Conversations, c => Assert.Equal(
            [.. expected.Where(e => e.Value == c.ExternalConversationIds.Single()).Select(e => e.Key).Order(StringComparer.Ordinal)],
            c.Messages.Select(m => m.ExternalId).Order(StringComparer.Ordinal)));

        await pipeline.AssertMapMatchesAsync(snapshot);

        var counters = await pipeline.Sim.GetCountersAsync();
        var messageCalls = EnrichmentPipeline.Calls(counters, EnrichmentPipeline.GetMessageRoute)
            + EnrichmentPipeline.Calls(counters, EnrichmentPipeline.GetMessageByUidRoute);
        if (notificationsCarryMetadata)
        {
            Assert.Equal(0, messageCalls);
        }
        else
        {
            Assert.InRange(messageCalls, 1, expected.Count);
        }

        Assert.Equal(0, counters.Notifications.Abandoned);
    }
}
