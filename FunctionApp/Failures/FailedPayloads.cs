using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FrontFunctions.Storage;

namespace FrontFunctions.Failures;

/// <summary>
/// What a poisoned item needs to stay re-queueable until an operator acts (issue 19 point 5: nothing expires silently):
/// <list type="bullet">
/// <item>Poison queue messages never expire: <see cref="SendToPoisonAsync"/> writes them with a time-to-live of -1
/// (Azure.Storage.Queues <c>SendMessageAsync(…, timeToLive: TimeSpan.FromSeconds(-1))</c>, "never expires" in the Queue
/// service's Put Message). The WebJobs queue extension's own move to <c>-poison</c> after <c>maxDequeueCount</c>
/// (<c>QueueProcessor.CopyMessageToPoisonQueueAsync</c>) sends with the default TTL, 7 days: the processors poison at the
/// last attempt themselves instead of letting the host do it.</item>
/// <item>The payload blob a poisoned item points at is moved under <see cref="Prefix"/> (<see cref="KeepAsync"/>), which the
/// storage lifecycle rule (infra/modules/storage.bicep) does not match; the poisoned text is rewritten to point at it. The
/// processor deletes it once the re-queued item succeeds, as it deletes any payload.</item>
/// </list>
/// </summary>
public sealed class FailedPayloads(QueueServiceClient queues, BlobServiceClient blobs)
{
    /// <summary>Where failed items' payload blobs live, outside every lifecycle prefix.</summary>
    public const string Prefix = StorageNames.FailedPayloadPrefix;

    /// <summary>A queue message time-to-live of -1: the message never expires.</summary>
    public static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    /// <summary>Sends <paramref name="text"/> to <paramref name="poisonQueue"/> (Base64, as the trigger reads it), never expiring.</summary>
    public async Task SendToPoisonAsync(string poisonQueue, string text, CancellationToken cancellationToken) =>
        await queues.GetQueueClient(poisonQueue)
            .SendMessageAsync(text, visibilityTimeout: null, timeToLive: NeverExpires, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Copies the blob the JSON <paramref name="text"/> names in <paramref name="blobProperty"/> under <see cref="Prefix"/> and
    /// returns the text pointing at the copy, and the original's name (delete it with <see cref="ReleaseAsync"/> once the
    /// poisoned text is written). The text unchanged (and no original) when it names no blob, one already kept, or one gone.
    /// </summary>
    public async Task<(string Text, string? Original)> KeepAsync(string text, string blobProperty, CancellationToken cancellationToken)
    {
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return (text, null);
        }

        if (root?[blobProperty] is not JsonValue value || !value.TryGetValue<string>(out var name) || name.Length == 0
            || name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return (text, null);
        }

        var container = blobs.GetBlobContainerClient(StorageNames.PayloadContainer);
        BinaryData content;
        try
        {
            content = (await container.GetBlobClient(name).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return (text, null);
        }

        var kept = Prefix + name;
        await container.GetBlobClient(kept).UploadAsync(content, overwrite: true, cancellationToken).ConfigureAwait(false);
        root[blobProperty] = kept;
        return (root.ToJsonString(), name);
    }

    /// <summary>Deletes the original of a kept blob (best effort: the lifecycle rule removes a leftover).</summary>
    public async Task ReleaseAsync(string? original, CancellationToken cancellationToken)
    {
        if (original is null)
        {
            return;
        }

        try
        {
            await blobs.GetBlobContainerClient(StorageNames.PayloadContainer).GetBlobClient(original)
                .DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException)
        {
        }
    }
}
