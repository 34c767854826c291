using System.Text;
using Azure.Storage.Queues;
using FrontFunctions.Enrichment;
using FrontFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Outbound;

/// <summary>
/// Delivers one <c>front-outbound</c> item to the partner (the queue function calls this):
/// <list type="bullet">
/// <item>2xx: delivered (its blob, if any, is deleted).</item>
/// <item>Any other 4xx (not 408, not 429), or an unreadable item: permanent; the reason goes to <c>FrontDeliveryFailures</c>
/// (RowKey <c>outbound:{webhook-id}</c>), the item to <c>front-outbound-poison</c> at once, and the function returns.</item>
/// <item>5xx, 408, 429, no answer, after the client's own retries: rethrown so the queue retries; at the last attempt the
/// reason is recorded and the item moved to <c>front-outbound-poison</c> here (never expiring, its blob kept under
/// <c>failed/</c>, <see cref="FailedPayloads"/>), and the function returns.</item>
/// </list>
/// Re-queue poisoned items with <c>tools/RequeuePoison --queue front-outbound</c>; the partner sees the same <c>webhook-id</c>.
/// </summary>
public sealed class PartnerDelivery(
    PartnerClient partner, OutboundQueue outbound, DeliveryFailures failures, QueueServiceClient queues,
    IOptions<PartnerOptions> options, Telemetry.FrontMetrics metrics, ILogger<PartnerDelivery> logger, FailedPayloads? failed = null)
{
    public const string FailureKeyPrefix = "outbound:";

    public async Task ProcessAsync(string queueMessageText, long dequeueCount, int maxDequeueCount, CancellationToken cancellationToken)
    {
        var item = OutboundItem.TryParse(queueMessageText, out var problem);
        if (item is null)
        {
            OutboundLog.Malformed(logger, problem!);
            metrics.PartnerDelivery("unreadable");
            await failures.RecordAsync(null, null, null, problem!, dequeueCount, queueMessageText, permanent: true, cancellationToken).ConfigureAwait(false);
            await SendToPoisonAsync(queueMessageText, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var activity = Telemetry.FrontTracing.StartQueueWork("front.deliver", item.TraceParent, item.TraceState, item.ChannelId, item.MessageId);
        string reason;
        try
        {
            if (options.Value.Endpoint is null)
            {
                throw new InvalidOperationException(
                    $"Partner__OutboundUrl is not set: set it, or set {PartnerOptions.DisabledSetting}=true to leave the messages on {StorageNames.OutboundQueue}.");
            }

            var body = Encoding.UTF8.GetBytes(await outbound.ReadEventAsync(item, cancellationToken).ConfigureAwait(false));
            var status = await partner.PostAsync(item.WebhookId, body, cancellationToken).ConfigureAwait(false);
            if (status is >= 200 and < 300)
            {
                metrics.PartnerDelivery("delivered");
                OutboundLog.Delivered(logger, item.ChannelId, item.WebhookId, status, dequeueCount);
                await outbound.DeleteEventBlobAsync(item, cancellationToken).ConfigureAwait(false);
                return;
            }

            reason = $"The partner answered {status}.";
            if (status is >= 400 and < 500 and not 408 and not 429)
            {
                metrics.PartnerDelivery("rejected");
                OutboundLog.Failed(logger, item.ChannelId, item.WebhookId, reason, dequeueCount, permanent: true);
                await failures.RecordAsync(item.ChannelId, FailureKeyPrefix + item.WebhookId, item.MessageId, reason + " (permanent: not retried)", dequeueCount, queueMessageText, permanent: true, cancellationToken).ConfigureAwait(false);
                await SendToPoisonAsync(queueMessageText, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or InvalidOperationException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
                                  || e is Polly.Timeout.TimeoutRejectedException)
        {
            reason = e is InvalidOperationException ? e.Message : $"The partner did not answer ({e.GetType().Name}).";
        }

        metrics.PartnerDelivery("failed");
        OutboundLog.Failed(logger, item.ChannelId, item.WebhookId, reason, dequeueCount, permanent: false);
        if (dequeueCount >= maxDequeueCount)
        {
            await failures.RecordAsync(item.ChannelId, FailureKeyPrefix + item.WebhookId, item.MessageId, reason + $" (after {dequeueCount} attempts)", dequeueCount, queueMessageText, permanent: false, cancellationToken).ConfigureAwait(false);
            // Poisoned here, never expiring and with its blob kept (the host's own move would give it a 7-day TTL).
            await SendToPoisonAsync(queueMessageText, cancellationToken).ConfigureAwait(false);
            return;
        }

        throw new PartnerDeliveryException(reason);
    }

    private async Task SendToPoisonAsync(string text, CancellationToken cancellationToken)
    {
        // Base64, as the queue trigger reads it: the re-queue tool sends the text back unchanged. Never expiring, its event
        // blob kept under failed/ (issue 19 point 5): the item is the only copy of the event until an operator acts.
        var (kept, original) = failed is null ? (text, null) : await failed.KeepAsync(text, "event_blob", cancellationToken).ConfigureAwait(false);
        var poison = queues.GetQueueClient(StorageNames.OutboundPoisonQueue);
        await poison.SendMessageAsync(kept, visibilityTimeout: null, timeToLive: FailedPayloads.NeverExpires, cancellationToken).ConfigureAwait(false);
        if (failed is not null)
        {
            await failed.ReleaseAsync(original, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>A delivery that may succeed later; thrown so the queue retries it.</summary>
public sealed class PartnerDeliveryException(string reason) : Exception(reason);
