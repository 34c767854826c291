using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FrontFunctions.Storage;

namespace FrontFunctions.Ingest;

/// <summary>Writes verified notifications to the ingest queue, offloading envelopes too large for one queue message.</summary>
public sealed class IngestQueue
{
    /// <summary>
    /// A queue message is at most 64 KiB, and Base64 (what the Functions trigger expects) grows text by 4/3:
    /// 48 KiB of JSON is the most that fits. Keep a margin under it.
    /// </summary>
    public const int MaxInlineJsonBytes = StorageNames.MaxInlineQueueJsonBytes;

    private readonly QueueClient _queue;
    private readonly BlobContainerClient _payloads;

    public IngestQueue(QueueServiceClient queues, BlobServiceClient blobs)
    {
        _queue = queues.GetQueueClient(StorageNames.IngestQueue);
        _payloads = blobs.GetBlobContainerClient(StorageNames.PayloadContainer);
    }

    /// <summary>
    /// Queues the notification (with its parsed <see cref="IngestNotification.Envelope"/>; <paramref name="rawEnvelope"/> is the
    /// body as Front sent it, stored instead when it is too large). Returns only after the queue write succeeded; throws on any
    /// storage failure, which the webhook turns into 503 so Front retries (never a silent loss).
    /// </summary>
    public async Task EnqueueAsync(IngestNotification notification, ReadOnlyMemory<byte> rawEnvelope, CancellationToken cancellationToken)
    {
        var (traceParent, traceState) = Telemetry.FrontTracing.Current();
        notification = notification with { TraceParent = traceParent, TraceState = traceState };

        var inline = JsonSerializer.SerializeToUtf8Bytes(notification, IngestJsonContext.Default.IngestNotification);
        if (inline.Length <= MaxInlineJsonBytes)
        {
            await _queue.SendMessageAsync(BinaryData.FromBytes(inline), cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }

        // Too large: the envelope goes to a blob first, then the queue message that points at it. If the queue write
        // fails the blob is removed again; a leftover blob (the process died in between) is never referenced by anything.
        var blobName = $"{notification.ChannelId}/{notification.DeliveryKey}-{Guid.NewGuid():N}.json";
        var blob = _payloads.GetBlobClient(blobName);
        await blob.UploadAsync(BinaryData.FromBytes(rawEnvelope), cancellationToken).ConfigureAwait(false);
        try
        {
            var pointer = JsonSerializer.SerializeToUtf8Bytes(notification with { Envelope = null, EnvelopeBlob = blobName }, IngestJsonContext.Default.IngestNotification);
            if (pointer.Length > MaxInlineJsonBytes)
            {
                // The external ids alone are too many for a queue message (a conversation merged many times): they stay in
                // the blob, which holds them anyway. Without this the queue refused the pointer and every retry got 503.
                pointer = JsonSerializer.SerializeToUtf8Bytes(
                    notification with { Envelope = null, EnvelopeBlob = blobName, ExternalConversationIds = [], ExternalId = null, MessageUid = null, IdsInBlob = true },
                    IngestJsonContext.Default.IngestNotification);
            }

            await _queue.SendMessageAsync(BinaryData.FromBytes(pointer), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}
