using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FrontFunctions.Front;
using FrontFunctions.Ingest;
using FrontFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using FrontFunctions.Failures;

namespace FrontFunctions.Enrichment;

/// <summary>
/// Handles one ingest queue message: parse, enrich, and decide what a failure means.
/// <list type="bullet">
/// <item>Permanent failure or unreadable message: a row in <c>FrontDeliveryFailures</c>, the original text to
/// <c>front-ingest-poison</c>, and a normal return (retrying cannot help; the host deletes the message).</item>
/// <item>Transient failure: rethrown so the queue retries; at the last attempt (<c>dequeueCount &gt;= maxDequeueCount</c>)
/// the reason is recorded and the message is moved to <c>front-ingest-poison</c> here, never expiring, and the function
/// returns (the host's own move would give the poison message the default 7-day time-to-live, <see cref="FailedPayloads"/>).
/// Only when that fails is the failure rethrown for the host to poison it.</item>
/// <item>Every poisoned message's payload blob, if any, is kept under <c>failed/</c> (<see cref="FailedPayloads.KeepAsync"/>).</item>
/// <item>Front still failing at the last attempt (429 always; 5xx, timeouts, dropped connections while the notification is
/// younger than <see cref="EnrichmentOptions.FrontUnavailableRetryWindow"/>): queued again as a new message, visible after
/// <see cref="EnrichmentOptions.RequeueDelay"/>, and a normal return — Front being unavailable for a while is not a reason
/// to poison. The fault ledger run saw messages poisoned by five attempts that each met a burst of 429s, and by four 429
/// bursts and a 503.</item>
/// </list>
/// Logs carry ids and reasons, never message bodies or tokens.
/// </summary>
public sealed class IngestProcessor(
    NotificationEnricher enricher,
    DeliveryFailures failures,
    ReplayGuard replays,
    FailedPayloads failed,
    QueueServiceClient queues,
    BlobServiceClient blobs,
    IOptions<EnrichmentOptions> options,
    Telemetry.FrontMetrics metrics,
    TimeProvider time,
    ILogger<IngestProcessor> logger)
{
    public async Task ProcessAsync(string queueMessageText, long dequeueCount, int maxDequeueCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queueMessageText);
        var notification = Parse(queueMessageText, out var problem);
        if (notification is null)
        {
            EnrichmentLog.Malformed(logger, problem!, dequeueCount);
            await failures.RecordAsync(null, null, null, problem!, dequeueCount, queueMessageText, permanent: true, cancellationToken).ConfigureAwait(false);
            await SendToPoisonAsync(queueMessageText, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var activity = Telemetry.FrontTracing.StartQueueWork("front.enrich", notification.TraceParent, notification.TraceState, notification.ChannelId, notification.MessageId);
        try
        {
            // The replay check runs while the envelope blob and the map are read; enrichment awaits it before writing.
            var admitted = AdmitAsync(notification, cancellationToken);
            notification = await CompleteFromEnvelopeBlobAsync(notification, cancellationToken).ConfigureAwait(false);
            var outcome = await enricher.EnrichAsync(notification, cancellationToken, admitted).ConfigureAwait(false);
            metrics.Mapped(Telemetry.MappedVia.Notification, notification.ReceivedAt);
            EnrichmentLog.Enriched(logger, outcome.ChannelId, outcome.MessageId, outcome.ConversationId, outcome.ExternalId is not null, outcome.FrontCalls, dequeueCount);
            await DeletePayloadAsync(notification, cancellationToken).ConfigureAwait(false);
        }
        catch (ReplayedNotificationException)
        {
            // A captured message_imported sent again to another channel's URL (or for another message): dropped, no row written.
            EnrichmentLog.ReplayDropped(logger, notification.ChannelId, notification.MessageId, notification.DeliveryKey);
            await DeletePayloadAsync(notification, cancellationToken).ConfigureAwait(false);
        }
        catch (PermanentEnrichmentException e)
        {
            EnrichmentLog.Permanent(logger, notification.ChannelId, notification.MessageId, e.Reason, dequeueCount);
            await failures.RecordAsync(notification.ChannelId, notification.DeliveryKey, notification.MessageId, e.Reason, dequeueCount, queueMessageText, permanent: true, cancellationToken).ConfigureAwait(false);
            await PoisonKeepingPayloadAsync(queueMessageText, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = Describe(e);
            var last = dequeueCount >= maxDequeueCount;
            EnrichmentLog.Transient(logger, notification.ChannelId, notification.MessageId, reason, dequeueCount, maxDequeueCount);
            if (last && FrontStillFailing(e, notification) && await TryRequeueLaterAsync(queueMessageText, notification, dequeueCount, reason, cancellationToken).ConfigureAwait(false))
            {
                return; // the host deletes this message; the new one carries the notification
            }

            if (last)
            {
                try
                {
                    await failures.RecordAsync(notification.ChannelId, notification.DeliveryKey, notification.MessageId, reason, dequeueCount, queueMessageText, permanent: false, cancellationToken).ConfigureAwait(false);
                    await PoisonKeepingPayloadAsync(queueMessageText, cancellationToken).ConfigureAwait(false);
                    return; // recorded and poisoned here (never expiring); the host deletes the original
                }
                catch (Exception recordFailure) when (recordFailure is not OperationCanceledException)
                {
                    // The original failure is what the host must see; the missing row is logged.
                    EnrichmentLog.FailureNotRecorded(logger, notification.ChannelId, notification.MessageId, recordFailure.GetType().Name);
                }
            }

            throw;
        }
    }

    /// <summary>
    /// Claims the webhook's signature for this delivery (<see cref="IngestNotification.DeliveryKey"/>: this channel and Front
    /// message): the same item again (a queue redelivery, a re-queue, Front's retry of the same request) is admitted; the
    /// same signature for another channel or message is not. Items queued without a signature (older builds) are admitted.
    /// </summary>
    private Task<bool> AdmitAsync(IngestNotification notification, CancellationToken cancellationToken) =>
        notification.SignatureKey is { Length: > 2 } key && notification.SignedAt is { } signedAt
            ? replays.ClaimAsync(key, signedAt, notification.DeliveryKey, cancellationToken)
            : Task.FromResult(true);

    private static IngestNotification? Parse(string text, out string? problem)
    {
        IngestNotification? notification;
        try
        {
            notification = JsonSerializer.Deserialize(text, IngestJsonContext.Default.IngestNotification);
        }
        catch (JsonException e)
        {
            // The exception's message names the path and position, not the content.
            problem = $"The queue message is not an ingest notification: {e.Message}";
            return null;
        }

        if (notification is null || string.IsNullOrEmpty(notification.ChannelId) || string.IsNullOrEmpty(notification.MessageId)
            || string.IsNullOrEmpty(notification.ConversationId) || string.IsNullOrEmpty(notification.DeliveryKey))
        {
            problem = "The queue message lacks channel_id, message_id, conversation_id or delivery_key.";
            return null;
        }

        if (notification.Version > IngestNotification.CurrentVersion)
        {
            problem = $"The queue message has version {notification.Version}; this build reads up to {IngestNotification.CurrentVersion}.";
            return null;
        }

        problem = null;
        return notification;
    }

    /// <summary>
    /// The webhook extracts every field before queueing, so the envelope is normally not needed. The blob is read when the
    /// ids were too many for the queue message (<see cref="IngestNotification.IdsInBlob"/>), or when a notification arrives
    /// with neither an external id nor external conversation ids (queued by an older ingest), to spare the Front calls.
    /// A blob already gone (deleted after an earlier attempt mapped it) leaves the queue message's fields: Front fills in.
    /// </summary>
    private async Task<IngestNotification> CompleteFromEnvelopeBlobAsync(IngestNotification notification, CancellationToken cancellationToken)
    {
        if (notification.EnvelopeBlob is not { Length: > 0 } blobName
            || (!notification.IdsInBlob && (notification.ExternalId is not null || notification.ExternalConversationIds.Count > 0)))
        {
            return notification;
        }

        BinaryData content;
        try
        {
            content = (await blobs.GetBlobContainerClient(StorageNames.PayloadContainer).GetBlobClient(blobName)
                .DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            EnrichmentLog.EnvelopeBlobMissing(logger, notification.ChannelId, notification.MessageId);
            return notification;
        }

        var envelope = FrontWebhookEnvelope.TryParse(content.ToMemory(), out _);
        var read = envelope is null ? null : ImportedMessageReader.TryRead(notification.ChannelId, envelope, notification.ReceivedAt, out _);
        if (read is null)
        {
            return notification;
        }

        return notification with
        {
            ExternalId = notification.ExternalId ?? read.ExternalId,
            MessageUid = notification.MessageUid ?? read.MessageUid,
            ExternalConversationIds = notification.ExternalConversationIds.Count > 0 ? notification.ExternalConversationIds : read.ExternalConversationIds,
        };
    }

    /// <summary>
    /// Deletes the envelope blob once the notification is mapped (or dropped as a replay): it holds the message body and
    /// nothing needs it any more. A poisoned notification's blob is not deleted but kept under <c>failed/</c>
    /// (<see cref="PoisonKeepingPayloadAsync"/>) until the operator's re-queue maps it and this deletes it. A failure here is
    /// only logged; the storage lifecycle rule removes what is left of the live prefixes.
    /// </summary>
    private async Task DeletePayloadAsync(IngestNotification notification, CancellationToken cancellationToken)
    {
        if (notification.EnvelopeBlob is not { Length: > 0 } blobName)
        {
            return;
        }

        try
        {
            await blobs.GetBlobContainerClient(StorageNames.PayloadContainer).GetBlobClient(blobName)
                .DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            EnrichmentLog.PayloadNotDeleted(logger, notification.ChannelId, notification.MessageId, e.GetType().Name);
        }
    }

    /// <summary>
    /// Whether the failure is Front's and passing: 429 (always), or 5xx / timeout / dropped connection (a non-permanent
    /// <see cref="FrontApiException"/>) while the notification is younger than the retry window. Storage failures are not:
    /// the queue could not take the message again either.
    /// </summary>
    private bool FrontStillFailing(Exception e, IngestNotification notification)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is FrontApiException { Permanent: false } front)
            {
                return front.StatusCode == 429 || time.GetUtcNow() - notification.ReceivedAt < options.Value.FrontUnavailableRetryWindow;
            }
        }

        return false;
    }

    private async Task<bool> TryRequeueLaterAsync(string text, IngestNotification notification, long dequeueCount, string reason, CancellationToken cancellationToken)
    {
        var delay = options.Value.RequeueDelay;
        try
        {
            await queues.GetQueueClient(StorageNames.IngestQueue)
                .SendMessageAsync(text, visibilityTimeout: delay, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false; // could not queue it again: record and poison as any transient failure at its last attempt
        }

        EnrichmentLog.FrontFailureRequeued(logger, notification.ChannelId, notification.MessageId, reason, dequeueCount, delay.TotalSeconds);
        return true;
    }

    private async Task SendToPoisonAsync(string text, CancellationToken cancellationToken)
    {
        // The client from DI encodes Base64, as the queue trigger expects (StorageClientRegistration); never expires.
        await failed.SendToPoisonAsync(StorageNames.IngestPoisonQueue, text, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Poisons the text with its envelope blob kept under <c>failed/</c> (the text rewritten to point there): a re-queue by the
    /// operator, however late, finds it. The original blob is deleted only once the poisoned text is written.
    /// </summary>
    private async Task PoisonKeepingPayloadAsync(string text, CancellationToken cancellationToken)
    {
        var (kept, original) = await failed.KeepAsync(text, "envelope_blob", cancellationToken).ConfigureAwait(false);
        await SendToPoisonAsync(kept, cancellationToken).ConfigureAwait(false);
        await failed.ReleaseAsync(original, cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(Exception e)
    {
        var message = e is FrontApiException front ? front.Reason : e.Message;
        var firstLine = message.Split('\n', 2)[0].Trim();
        return $"{e.GetType().Name}: {(firstLine.Length > 500 ? firstLine[..500] : firstLine)}";
    }
}
