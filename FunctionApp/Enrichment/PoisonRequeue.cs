using Azure.Storage.Queues;
using FrontFunctions.Storage;

namespace FrontFunctions.Enrichment;

/// <summary>
/// Moves messages from <c>front-ingest-poison</c> back to <c>front-ingest</c> after the cause is fixed (a channel
/// re-authorized, a secret corrected, Front reachable again). The text is re-sent exactly as it was, through a client
/// configured for Base64 like the queue trigger: a message re-queued by hand as plain text would go straight back to the
/// poison queue (azure-sdk-for-net#21449). Each message is sent before it is deleted, so a failure in between leaves a
/// duplicate, never a loss (enrichment is idempotent).
/// </summary>
public sealed class PoisonRequeue(QueueServiceClient queues)
{
    /// <summary>Re-queues up to <paramref name="max"/> poison messages (all channels, or only <paramref name="channelId"/>'s).</summary>
    public Task<int> RequeueAsync(string? channelId, int max, CancellationToken cancellationToken) =>
        RequeueWhereAsync(text => channelId is null || BelongsTo(text, channelId), max, cancellationToken);

    /// <summary>Re-queues up to <paramref name="max"/> poison messages whose text <paramref name="take"/> selects (one item, for the operator console).</summary>
    public async Task<int> RequeueWhereAsync(Func<string, bool> take, int max, CancellationToken cancellationToken)
    {
        var poison = queues.GetQueueClient(StorageNames.IngestPoisonQueue);
        var ingest = queues.GetQueueClient(StorageNames.IngestQueue);
        var moved = 0;
        var skipped = new List<(string Id, string PopReceipt)>();
        try
        {
            while (moved < max)
            {
                // Received messages stay hidden for the run, so each pass sees new ones; skipped ones are shown again below.
                var batch = (await poison.ReceiveMessagesAsync(
                    maxMessages: Math.Min(32, max - moved), visibilityTimeout: TimeSpan.FromMinutes(5), cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
                if (batch.Length == 0)
                {
                    break;
                }

                foreach (var message in batch)
                {
                    var text = message.Body.ToString();
                    if (!take(text))
                    {
                        skipped.Add((message.MessageId, message.PopReceipt));
                        continue;
                    }

                    await ingest.SendMessageAsync(text, cancellationToken).ConfigureAwait(false);
                    await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                    moved++;
                }
            }
        }
        finally
        {
            // Other channels' messages stay in the poison queue, visible again at once.
            foreach (var (id, popReceipt) in skipped)
            {
                await poison.UpdateMessageAsync(id, popReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }

        return moved;
    }

    private static bool BelongsTo(string text, string channelId)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(text);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("channel_id", out var id)
                && id.ValueKind == System.Text.Json.JsonValueKind.String
                && id.GetString() == channelId;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
