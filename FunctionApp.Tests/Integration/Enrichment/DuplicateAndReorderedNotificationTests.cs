using FrontFunctions.Tests.Infrastructure;
using FrontSimulator.Control;

namespace FrontFunctions.Tests.Integration.Enrichment;

/// <summary>
/// Notifications delivered twice and out of order (simulator switches) converge on the same rows as an orderly delivery:
/// every duplicate is processed, and leaves the map exactly as the expected one.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class DuplicateAndReorderedNotificationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Duplicated_and_reordered_notifications_converge_on_the_expected_rows(bool notificationsCarryMetadata)
    {
        await using var pipeline = await EnrichmentPipeline.StartAsync();
        await pipeline.Sim.SetNotificationsAsync(new NotificationSettings
        {
            Duplicate = true,
            OutOfOrder = true,
            IncludeExternalId = notificationsCarryMetadata,
            IncludeMessageUid = notificationsCarryMetadata,
        });

        var imports = new List<(string ExternalId, string Thread)>();
        for (var i = 0; i < 8; i++)
        {
            imports.Add(($"dup-{i}", $"dup-thread-{i % 2}"));
        }

        foreach (var (externalId, thread) in imports)
        {
            await pipeline.ImportAsync(externalId, thread);
        }

        var snapshot = await pipeline.WaitCreatedAsync(imports.Count);
        await pipeline.AssertMapMatchesAsync(snapshot);

        // Every notification went out twice and every copy went through enrichment (not merely dropped on the way).
        await pipeline.WaitAsync(async () => (await pipeline.Sim.GetCountersAsync()).Notifications.Delivered >= 2 * imports.Count, "both copies of every notification");
        await pipeline.WaitAsync(() => Task.FromResult(pipeline.MappedLogLines() >= 2 * imports.Count), "the duplicates to be enriched");

        // The rows are exactly the expected ones: one per external/Front message id, one per external/Front conversation id,
        // and an ml| link for each row pointing at a conversation (xm|, fm|, xc|: issue 22).
        var rows = await pipeline.IdMapRowsAsync();
        var messages = snapshot.Conversations.SelectMany(c => c.Messages).ToList();
        Assert.Equal(2 * messages.Count + 2 * snapshot.Conversations.Count, rows.Keys.Count(k => !k.StartsWith(FrontFunctions.IdMap.IdMapKeys.LinkPrefix, StringComparison.Ordinal)));
        Assert.Equal(2 * messages.Count + snapshot.Conversations.Count, rows.Keys.Count(k => k.StartsWith(FrontFunctions.IdMap.IdMapKeys.LinkPrefix, StringComparison.Ordinal)));
        foreach (var message in messages)
        {
            var xm = rows[FrontFunctions.IdMap.IdMapKeys.ExternalMessage(message.ExternalId)];
            Assert.Contains($"MessageId={message.Id}", xm, StringComparison.Ordinal);
            Assert.Contains($"ConversationId={message.ConversationId}", xm, StringComparison.Ordinal);
            var fm = rows[FrontFunctions.IdMap.IdMapKeys.FrontMessage(message.Id)];
            Assert.Contains($"ExternalId={message.ExternalId}", fm, StringComparison.Ordinal);
            Assert.Contains($"ConversationId={message.ConversationId}", fm, StringComparison.Ordinal);
        }

        foreach (var conversation in snapshot.Conversations)
        {
            Assert.Contains($"ConversationId={conversation.Id}", rows[FrontFunctions.IdMap.IdMapKeys.ExternalConversation(conversation.ExternalConversationIds.Single())], StringComparison.Ordinal);
            Assert.True(rows.ContainsKey(FrontFunctions.IdMap.IdMapKeys.FrontConversation(conversation.Id)));
        }

        // Lookups still answer the expected map once every copy has been processed, and the rows no longer change.
        await pipeline.AssertMapMatchesAsync(snapshot);
        Assert.Equal(rows, await pipeline.IdMapRowsAsync());
    }
}
