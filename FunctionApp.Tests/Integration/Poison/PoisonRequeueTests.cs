using System.Text.Json;
using Azure.Storage.Queues;
using FrontFunctions.Enrichment;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Poison;

[Collection(SharedQueueCollection.Name)]
public sealed class PoisonRequeueTests
{
    private readonly QueueServiceClient _queues = TestStorage.Queues();

    [Fact]
    public async Task Requeue_moves_one_channels_poison_messages_back_as_base64_text_unchanged()
    {
        var poison = _queues.GetQueueClient(StorageNames.IngestPoisonQueue);
        var ingest = _queues.GetQueueClient(StorageNames.IngestQueue);
        await poison.CreateIfNotExistsAsync();
        await ingest.CreateIfNotExistsAsync();
        await ingest.ClearMessagesAsync();
        var mine = TestStorage.NewChannelId();
        var other = TestStorage.NewChannelId();
        var texts = new[] { mine, mine, other }.Select((c, i) => JsonSerializer.Serialize(new { channel_id = c, message_id = $"msg_{i}" })).ToArray();
        foreach (var text in texts)
        {
            await poison.SendMessageAsync(text);
        }

        var moved = await new PoisonRequeue(_queues).RequeueAsync(mine, int.MaxValue, CancellationToken.None);

        Assert.Equal(2, moved);
        var requeued = (await ingest.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).Order().ToArray();
        Assert.Equal(texts.Take(2).Order(), requeued);
        // Stored as Base64, as the Functions queue trigger expects: a plain client sees Base64 text, not JSON.
        var raw = new QueueClient(TestStorage.ConnectionString, StorageNames.IngestQueue);
        var stored = (await raw.PeekMessagesAsync(1)).Value.Single().Body.ToString();
        Assert.Equal(requeued.First(t => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(t)) == stored), System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(stored)));
        // The other channel's message stays poisoned, visible; none of this channel's is left there.
        var left = (await poison.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).ToArray();
        Assert.Contains(texts[2], left);
        Assert.DoesNotContain(texts[0], left);
        Assert.DoesNotContain(texts[1], left);
    }
}
