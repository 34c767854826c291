using System.Text.Json.Nodes;
using FrontFunctions.Channels;
using FrontFunctions.Front;
using FrontFunctions.Http;
using FrontFunctions.IdMap;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Outbound;

/// <summary>
/// Answers <c>message</c> and <c>message_autoreply</c>: the external ids Front records for the message, from the id map
/// only (no Front API call). Before the 200 the ids are in the map and the message is on the outbound queue, queued only
/// after the rows are in; a storage failure anywhere before that is thrown (the webhook answers 503, Front retries, and the
/// retry gets the same answer). See docs-notes/answers.md for what the answer guarantees.
/// </summary>
public sealed class OutboundAnswerer(IdMapStore map, ChannelRegistry channels, OutboundQueue queue, TimeProvider time, Microsoft.Extensions.Options.IOptions<FrontOptions> front, ILogger<OutboundAnswerer> logger)
{
    public async Task<HttpAnswer> AnswerAsync(string channelId, FrontWebhookEnvelope envelope, CancellationToken cancellationToken)
    {
        var message = OutboundMessageReader.TryRead(channelId, envelope, out var problem);
        if (message is null)
        {
            return HttpAnswer.BadRequest(problem!);
        }

        // A deleted channel carries nothing more: 410, so Front shows the teammate the message was not sent (a 5xx would be
        // retried for nothing). A channel never authorized here (no row) is served: the row is not needed to answer. The
        // channel row is read while the map resolves the conversation; nothing is written before it has said "not deleted".
        // It is read from this instance's memory when read less than ChannelRegistry.RecentFor ago (a delete handled here
        // shows at once; one handled by another instance within that time).
        var channel = channels.FindRecentAsync(channelId, cancellationToken);
        async Task<bool> NotDeleted() => (await channel.ConfigureAwait(false))?.Status != ChannelStatus.Deleted;
        var conversation = await map.BeginExternalConversationIdAsync(
            channelId, message.ConversationId, OutboundMessageReader.MintConversationId, NotDeleted, cancellationToken).ConfigureAwait(false);
        if (!await NotDeleted().ConfigureAwait(false) || conversation.ExternalConversationId is not { } externalConversationId)
        {
            await conversation.Recorded.ConfigureAwait(false);
            OutboundLog.RefusedDeleted(logger, channelId, envelope.Type);
            return HttpAnswer.Error(410, "channel_deleted", "This channel was deleted; it no longer carries messages. Reconnect the channel in Front.");
        }

        var conversationId = conversation.ConversationId;
        var data = message.Data;
        data["conversation_id"] = conversationId;
        data["external_conversation_id"] = externalConversationId;
        Attachments.AttachmentLinks.AddDownloadUrls(data, front.Value.PublicBaseUrl, channelId, message.ExternalId); // the app streams each from Front
        var webhookId = OutboundItem.WebhookIdFor(channelId, message.ExternalId);
        var @event = new JsonObject
        {
            ["type"] = message.Type,
            ["timestamp"] = data["created_at"]?.GetValue<string>() ?? time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["data"] = data,
        };
        // One answer, one outcome (issue 19, point 6): the rows first (the message rows and a minted id's xc| claim, at
        // once), the queue write only once they are all in. A failed row write or the answer deadline before that leaves
        // nothing queued: the 503 is true, and Front's retry writes the same rows (idempotent) and gets the same answer.
        // The queue write is the one commit point; if it is cut off after storage took it (the deadline or a lost answer),
        // Front gets 503 for an item that will be delivered, and its retry gets the identical 200 and queues the same event
        // with the same webhook-id (the partner de-duplicates on it). Queueing invisibly beside the rows and revealing after
        // costs the same two round trips plus a request, and a crash before the reveal would still deliver the item later.
        var record = message.MessageId is { } messageId
            ? map.RecordSentMessageAsync(channelId, messageId, conversationId, message.ExternalId, cancellationToken)
            : map.RecordExternalOnlyMessageAsync(channelId, message.ExternalId, conversationId, cancellationToken);
        await Task.WhenAll(conversation.Recorded, record).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        await queue.EnqueueAsync(new OutboundItem
        {
            WebhookId = webhookId,
            ChannelId = channelId,
            MessageId = message.MessageId,
            ExternalId = message.ExternalId,
            ExternalConversationId = externalConversationId,
            FirstQueuedAt = time.GetUtcNow(),
            Event = @event.ToJsonString(),
        }, cancellationToken).ConfigureAwait(false);

        OutboundLog.Answered(logger, channelId, envelope.Type, message.MessageId, conversationId, webhookId);
        return HttpAnswer.Ok(new OutboundAnswer("success", message.ExternalId, externalConversationId));
    }
}

/// <summary>The answer Front expects to <c>message</c> / <c>message_autoreply</c>.</summary>
public sealed record OutboundAnswer(
    [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type,
    [property: System.Text.Json.Serialization.JsonPropertyName("external_id")] string ExternalId,
    [property: System.Text.Json.Serialization.JsonPropertyName("external_conversation_id")] string ExternalConversationId);
