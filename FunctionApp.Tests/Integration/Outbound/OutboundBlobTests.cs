using Azure.Storage.Queues.Models;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.TestSupport;

namespace FrontFunctions.Tests.Integration.Outbound;

/// <summary>
/// Issue 19, point 5 (outbound): an event too large for a queue message goes to a blob named per queue item, so two items of
/// the same reply (Front's retry of a request whose first answer was lost) never share one: the first delivery deleting its
/// blob leaves the other item's event in place (before, the other item failed on a missing blob and was poisoned with no
/// failure row).
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class OutboundBlobTests
{
    [Fact]
    public async Task Two_queue_items_of_the_same_reply_each_have_their_own_event_blob()
    {
        await using var host = FrontTestHost.Create();
        var queue = host.Get<OutboundQueue>();
        var channel = TestStorage.NewChannelId();
        var webhookId = OutboundItem.WebhookIdFor(channel, "front:msg_blob1");
        var item = new OutboundItem
        {
            WebhookId = webhookId,
            ChannelId = channel,
            MessageId = "msg_blob1",
            ExternalId = "front:msg_blob1",
            Event = "{\"type\":\"message\",\"data\":{\"body\":\"" + new string('x', 80_000) + "\"}}",
        };

        await queue.EnqueueAsync(item, CancellationToken.None);
        await queue.EnqueueAsync(item, CancellationToken.None);

        var client = TestStorage.Queues().GetQueueClient(StorageNames.OutboundQueue);
        var ours = new List<(OutboundItem Item, QueueMessage Message)>();
        await Eventually.TrueAsync(async () =>
        {
            foreach (var message in (await client.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(5))).Value)
            {
                if (message.Body.ToString().Contains(webhookId, StringComparison.Ordinal))
                {
                    ours.Add((OutboundItem.TryParse(message.Body.ToString(), out _)!, message));
                }
            }

            return ours.Count >= 2;
        }, "both queue items", TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));

        try
        {
            var (first, second) = (ours[0].Item, ours[1].Item);
            Assert.NotNull(first.EventBlob);
            Assert.NotNull(second.EventBlob);
            Assert.NotEqual(first.EventBlob, second.EventBlob);

            await queue.DeleteEventBlobAsync(first, CancellationToken.None); // the first item delivered
            Assert.Equal(item.Event, await queue.ReadEventAsync(second, CancellationToken.None));
            await queue.DeleteEventBlobAsync(second, CancellationToken.None);
        }
        finally
        {
            foreach (var (_, message) in ours)
            {
                await client.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }
    }
}
