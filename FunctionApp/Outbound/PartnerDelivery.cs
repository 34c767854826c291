using System.Text;
using Azure;
using FrontFunctions.Enrichment;
using FrontFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using FrontFunctions.Failures;

namespace FrontFunctions.Outbound;

/// <summary>
/// Delivers one <c>front-outbound</c> item to the partner (the queue function calls this):
/// <list type="bullet">
/// <item>2xx: delivered (its blob, if any, is deleted; the channel's partner state is cleared).</item>
/// <item>5xx, 408, 429, no answer, after the client's own retries: queued again as a new message (the same item, its
/// re-queue count + 1), invisible for a growing delay (<see cref="PartnerRetrySchedule"/>), and a normal return (the host
/// deletes this one) — until <see cref="PartnerOptions.RetryWindow"/> after it was first queued; then given up.</item>
/// <item>Any other 4xx, any 3xx (redirects are never followed; the reason names the <c>Location</c>), an event blob that is
/// gone: permanent, given up at once.</item>
/// <item>Given up (<see cref="PartnerGiveUp"/>): a row in <c>FrontDeliveryFailures</c> (RowKey <c>outbound:{webhook-id}</c>),
/// Front told the message failed, the item to <c>front-outbound-poison</c>.</item>
/// <item>Anything else (storage failing, the re-queue itself failing): rethrown so the queue retries; at the last dequeue the
/// reason is recorded and the item poisoned here, never expiring, so every poisoned item has its row.</item>
/// </list>
/// The partner sees the same <c>webhook-id</c> on every attempt and de-duplicates on it.
/// </summary>
public sealed class PartnerDelivery(
    PartnerClient partner, OutboundQueue outbound, DeliveryFailures failures, PartnerGiveUp giveUp, PartnerHealth health,
    IOptions<PartnerOptions> options, TimeProvider time, Telemetry.FrontMetrics metrics, ILogger<PartnerDelivery> logger)
{
    public const string FailureKeyPrefix = Failures.FailureKeys.OutboundPrefix;

    public async Task ProcessAsync(string queueMessageText, long dequeueCount, int maxDequeueCount, CancellationToken cancellationToken)
    {
        var item = OutboundItem.TryParse(queueMessageText, out var problem);
        if (item is null)
        {
            OutboundLog.Malformed(logger, problem!);
            metrics.PartnerDelivery("unreadable");
            await failures.RecordAsync(null, null, null, problem!, dequeueCount, queueMessageText, permanent: true, cancellationToken).ConfigureAwait(false);
            await giveUp.SendToPoisonAsync(queueMessageText, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var activity = Telemetry.FrontTracing.StartQueueWork("front.deliver", item.TraceParent, item.TraceState, item.ChannelId, item.MessageId);
        try
        {
            await DeliverAsync(item, queueMessageText, dequeueCount, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (dequeueCount >= maxDequeueCount && e is not OperationCanceledException)
        {
            // The last attempt: the reason on record, then the item poisoned here, never expiring (the host's own move would
            // give it the default 7-day time-to-live). If that fails too, the host poisons it.
            var reason = $"{e.GetType().Name}: {FirstLine(e.Message)} (after {dequeueCount} attempts)";
            await failures.RecordAsync(item.ChannelId, FailureKeyPrefix + item.WebhookId, item.MessageId, reason, dequeueCount, queueMessageText, permanent: false, cancellationToken).ConfigureAwait(false);
            await giveUp.SendToPoisonAsync(queueMessageText, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DeliverAsync(OutboundItem item, string queueMessageText, long dequeueCount, CancellationToken cancellationToken)
    {
        if (options.Value.Endpoint is null)
        {
            throw new InvalidOperationException(
                $"Partner__OutboundUrl is not set: set it, or set {PartnerOptions.DisabledSetting}=true to leave the messages on {StorageNames.OutboundQueue}.");
        }

        string eventText;
        try
        {
            eventText = await outbound.ReadEventAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            await giveUp.GiveUpAsync(item, null, queueMessageText, $"The event blob {item.EventBlob} is gone: nothing to deliver (permanent).",
                "The app lost this message before delivering it to the partner system.", permanent: true, partnerFailing: false, dequeueCount, cancellationToken).ConfigureAwait(false);
            return;
        }

        string reason;
        try
        {
            var answer = await partner.PostAsync(item.WebhookId, Encoding.UTF8.GetBytes(eventText), cancellationToken).ConfigureAwait(false);
            var status = answer.Status;
            if (status is >= 200 and < 300)
            {
                metrics.PartnerDelivery("delivered");
                OutboundLog.Delivered(logger, item.ChannelId, item.WebhookId, status, dequeueCount);
                await outbound.DeleteEventBlobAsync(item, cancellationToken).ConfigureAwait(false);
                await health.DeliveredAsync(item.ChannelId, item.Requeues > 0, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (status is >= 300 and < 400)
            {
                metrics.PartnerDelivery("rejected");
                OutboundLog.Failed(logger, item.ChannelId, item.WebhookId, $"redirect {status}", dequeueCount, permanent: true);
                await giveUp.GiveUpAsync(item, eventText, queueMessageText,
                    $"The partner answered {status} (a redirect to {answer.Location?.ToString() ?? "no Location"}); redirects are not followed (permanent: not retried). Fix Partner__OutboundUrl.",
                    $"The partner system answered {status} (a redirect); not delivered.", permanent: true, partnerFailing: false, dequeueCount, cancellationToken).ConfigureAwait(false);
                return;
            }

            reason = $"The partner answered {status}.";
            if (status is >= 400 and < 500 and not 408 and not 429)
            {
                metrics.PartnerDelivery("rejected");
                OutboundLog.Failed(logger, item.ChannelId, item.WebhookId, reason, dequeueCount, permanent: true);
                await giveUp.GiveUpAsync(item, eventText, queueMessageText, reason + " (permanent: not retried)",
                    $"The partner system refused the message ({status}).", permanent: true, partnerFailing: false, dequeueCount, cancellationToken).ConfigureAwait(false);
                return;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
                                  || e is Polly.Timeout.TimeoutRejectedException)
        {
            reason = $"The partner did not answer ({e.GetType().Name}).";
        }

        metrics.PartnerDelivery("failed");
        OutboundLog.Failed(logger, item.ChannelId, item.WebhookId, reason, dequeueCount, permanent: false);
        var now = time.GetUtcNow();
        var first = item.FirstQueuedAt ?? now;
        var delay = PartnerRetrySchedule.NextDelay(options.Value, first, item.Requeues, now, Random.Shared.NextDouble());
        if (delay is null)
        {
            var window = options.Value.RetryWindow;
            await giveUp.GiveUpAsync(item, eventText, queueMessageText,
                $"{reason} Retried since {first:u} ({item.Requeues} re-queues); the retry window (Partner__RetryWindow, {window}) is over.",
                $"The partner system could not be reached for {Describe(window)} ({reason.TrimEnd('.')}); the retry window is over.",
                permanent: false, partnerFailing: true, dequeueCount, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Queued again before this message completes: a crash in between leaves two copies (one webhook-id; the partner
        // de-duplicates), never none. A failing re-queue is thrown: the queue retries this message.
        var next = item with { FirstQueuedAt = first, Requeues = item.Requeues + 1 };
        await outbound.RequeueAsync(next, delay.Value, cancellationToken).ConfigureAwait(false);
        metrics.PartnerDelivery("requeued");
        OutboundLog.Requeued(logger, item.ChannelId, item.WebhookId, reason, Math.Round(delay.Value.TotalSeconds, 1), next.Requeues);
        await health.RetryingAsync(item.ChannelId, reason, now + delay.Value, firstRequeue: item.Requeues == 0, cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(TimeSpan window) =>
        window >= TimeSpan.FromHours(1) ? $"{window.TotalHours:0.#} h" : window >= TimeSpan.FromMinutes(1) ? $"{window.TotalMinutes:0.#} min" : $"{window.TotalSeconds:0.#} s";

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 500 ? line[..500] : line;
    }
}
