using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FrontFunctions.Storage;

namespace FrontFunctions.Outbound;

/// <summary>Writes messages for the partner to <c>front-outbound</c>; an event too large for a queue message goes to a blob first.</summary>
public sealed class OutboundQueue
{
    public const string BlobPrefix = "outbound/";

    private readonly QueueClient _queue;
    private readonly BlobContainerClient _payloads;

    public OutboundQueue(QueueServiceClient queues, BlobServiceClient blobs)
    {
        _queue = queues.GetQueueClient(StorageNames.OutboundQueue);
        _payloads = blobs.GetBlobContainerClient(StorageNames.PayloadContainer);
    }

    /// <summary>Returns only after the queue write succeeded; throws on any storage failure (the webhook answers 503).</summary>
    public async Task EnqueueAsync(OutboundItem item, CancellationToken cancellationToken)
    {
        var (traceParent, traceState) = Telemetry.FrontTracing.Current();
        item = item with { TraceParent = traceParent, TraceState = traceState };
        var inline = JsonSerializer.SerializeToUtf8Bytes(item, OutboundJsonContext.Default.OutboundItem);
        if (inline.Length <= StorageNames.MaxInlineQueueJsonBytes)
        {
            await _queue.SendMessageAsync(BinaryData.FromBytes(inline), cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }

        // Unique per queue item (a GUID after the webhook id): Front's retry of the same reply queues a second item with its
        // own blob, so the first delivery deleting its blob never leaves the other item without its event. A re-queue (a
        // retry after a failed attempt) keeps pointing at the same blob; it is deleted once delivered.
        var blobName = $"{BlobPrefix}{item.ChannelId}/{item.WebhookId}.{Guid.NewGuid():N}.json";
        await _payloads.GetBlobClient(blobName).UploadAsync(BinaryData.FromString(item.Event!), overwrite: true, cancellationToken).ConfigureAwait(false);
        var pointer = JsonSerializer.SerializeToUtf8Bytes(item with { Event = null, EventBlob = blobName }, OutboundJsonContext.Default.OutboundItem);
        await _queue.SendMessageAsync(BinaryData.FromBytes(pointer), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Queues <paramref name="item"/> again as a new message, invisible for <paramref name="delay"/> (the retry of a failed
    /// delivery: the caller then completes the current message). The event stays where it was (inline, or the same blob).
    /// </summary>
    public async Task RequeueAsync(OutboundItem item, TimeSpan delay, CancellationToken cancellationToken)
    {
        var text = JsonSerializer.SerializeToUtf8Bytes(item, OutboundJsonContext.Default.OutboundItem);
        await _queue.SendMessageAsync(BinaryData.FromBytes(text), visibilityTimeout: delay, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The event text of an item (reading its blob when it has one).</summary>
    public async Task<string> ReadEventAsync(OutboundItem item, CancellationToken cancellationToken)
    {
        if (item.Event is not null)
        {
            return item.Event;
        }

        var content = await _payloads.GetBlobClient(item.EventBlob).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(content.Value.Content.ToMemory().Span);
    }

    /// <summary>Deletes the item's blob once it is delivered (or recorded as failed); no-op for inline items.</summary>
    public Task DeleteEventBlobAsync(OutboundItem item, CancellationToken cancellationToken) =>
        item.EventBlob is null ? Task.CompletedTask : _payloads.GetBlobClient(item.EventBlob).DeleteIfExistsAsync(cancellationToken: cancellationToken);
}
