using System.Text.Json;
using FrontFunctions.Enrichment;
using FrontFunctions.Front;
using FrontFunctions.Storage;
using Microsoft.Extensions.Logging;
using FrontFunctions.Failures;

namespace FrontFunctions.Outbound;

/// <summary>
/// What happens when the app gives up on a reply (the partner refused it, redirected, or kept failing until
/// <see cref="PartnerOptions.RetryWindow"/> was over; or its event is gone), in this order: the reason goes to
/// <c>FrontDeliveryFailures</c> (the console lists it); Front is told the message failed (its external message status
/// endpoint, through the Front client and its rate gate: the teammate sees the message failed and the conversation reopens),
/// and the row records that it was (<c>FrontNotifiedAt</c>) or why not (<c>FrontNotifyError</c>); the per-channel partner
/// state is updated; the item goes to <c>front-outbound-poison</c> (re-queueable from the console). A crash in between runs
/// it all again on the next dequeue: the row is replaced, the status call is an idempotent PUT.
/// </summary>
public sealed class PartnerGiveUp(
    DeliveryFailures failures, FrontApiClient front, PartnerHealth health, Failures.FailedPayloads poison, TimeProvider time,
    Telemetry.FrontMetrics metrics, ILogger<PartnerGiveUp> logger)
{
    /// <param name="frontReason">What the teammate reads in Front: short, no secrets, no body, no URL.</param>
    /// <param name="partnerFailing">The partner did not answer usefully (5xx, timeouts): the partner state shows it failing.</param>
    public async Task GiveUpAsync(
        OutboundItem item, string? eventText, string queueMessageText, string reason, string frontReason, bool permanent, bool partnerFailing,
        long dequeueCount, CancellationToken cancellationToken)
    {
        var key = PartnerDelivery.FailureKeyPrefix + item.WebhookId;
        OutboundLog.GivenUp(logger, item.ChannelId, item.WebhookId, reason);
        metrics.PartnerDelivery("given_up");
        await failures.RecordAsync(item.ChannelId, key, item.MessageId, reason, dequeueCount, queueMessageText, permanent, cancellationToken).ConfigureAwait(false);

        var conversation = item.ExternalConversationId ?? ExternalConversationIdOf(eventText);
        Dictionary<string, object?> columns;
        if (conversation is null)
        {
            columns = new() { ["FrontNotifyError"] = "The item carries no external conversation id: Front was not told." };
        }
        else
        {
            try
            {
                await front.MarkMessageFailedAsync(item.ChannelId, conversation, item.ExternalId, frontReason, cancellationToken).ConfigureAwait(false);
                OutboundLog.FrontTold(logger, item.ChannelId, item.ExternalId);
                columns = new() { ["FrontNotifiedAt"] = time.GetUtcNow() };
            }
            catch (FrontApiException e)
            {
                OutboundLog.FrontNotTold(logger, item.ChannelId, item.ExternalId, e.Message);
                columns = new() { ["FrontNotifyError"] = e.Message.Length > 500 ? e.Message[..500] : e.Message };
            }
        }

        await failures.AnnotateAsync(item.ChannelId, key, columns, cancellationToken).ConfigureAwait(false);
        await health.GaveUpAsync(item.ChannelId, reason, item.Requeues > 0, partnerFailing, cancellationToken).ConfigureAwait(false);
        await SendToPoisonAsync(queueMessageText, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The text as it came (Base64 on the queue, as the trigger reads it), never expiring, its event blob kept under
    /// <c>failed/</c> (<see cref="Failures.FailedPayloads"/>): the item is the only copy of the event until an operator re-queues
    /// or discards it from the console.
    /// </summary>
    public async Task SendToPoisonAsync(string text, CancellationToken cancellationToken)
    {
        var (kept, original) = await poison.KeepAsync(text, "event_blob", cancellationToken).ConfigureAwait(false);
        await poison.SendToPoisonAsync(StorageNames.OutboundPoisonQueue, kept, cancellationToken).ConfigureAwait(false);
        await poison.ReleaseAsync(original, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The event's <c>data.external_conversation_id</c> (items queued by older builds do not carry it themselves).</summary>
    private static string? ExternalConversationIdOf(string? eventText)
    {
        if (eventText is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(eventText);
            return document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("external_conversation_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
