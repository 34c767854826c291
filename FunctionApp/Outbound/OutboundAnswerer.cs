using System.Text.Json.Nodes;
using FrontFunctions.Channels;
using FrontFunctions.Front;
using FrontFunctions.Http;
using FrontFunctions.IdMap;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Outbound;

/// <summary>
/// Answers <c>message</c> and <c>message_autoreply</c>: the external ids Front records for the message, from the id map
/// only (no Front API call). Before the 200 the ids are in the map and the message is on the outbound queue; a storage
/// failure anywhere before that is thrown (the webhook answers 503, Front retries, and the retry gets the same answer).
/// </summary>
public sealed class OutboundAnswerer(IdMapStore map, ChannelRegistry channels, OutboundQueue queue, TimeProvider time, ILogger<OutboundAnswerer> logger)
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
            channelId, message.ConversationId, OutboundMessageReader.MintConversationId, cancellationToken, NotDeleted).ConfigureAwait(false);
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
        var webhookId = OutboundItem.WebhookIdFor(channelId, message.ExternalId);
        var @event = new JsonObject
        {
            ["type"] = message.Type,
            ["timestamp"] = data["created_at"]?.GetValue<string>() ?? time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["data"] = data,
        };
        // One round trip for everything left: the message rows, a minted id's xc| row and the queue write are independent,
        // so all at once, and the answer only when all succeeded (the critical path is the conversation read, then this).
        // If one fails the answer is 503 and Front's retry writes the same rows and queues the same event again (the partner
        // sees the same webhook-id twice at worst, and de-duplicates on it).
        var record = message.MessageId is { } messageId
            ? map.RecordSentMessageAsync(channelId, messageId, conversationId, message.ExternalId, cancellationToken)
            : map.RecordExternalOnlyMessageAsync(channelId, message.ExternalId, conversationId, cancellationToken);
        var enqueue = queue.EnqueueAsync(new OutboundItem
        {
            WebhookId = webhookId,
            ChannelId = channelId,
            MessageId = message.MessageId,
            ExternalId = message.ExternalId,
            ExternalConversationId = externalConversationId,
            FirstQueuedAt = time.GetUtcNow(),
            Event = @event.ToJsonString(),
        }, cancellationToken);
        await Task.WhenAll(conversation.Recorded, record, enqueue).ConfigureAwait(false);

        OutboundLog.Answered(logger, channelId, envelope.Type, message.MessageId, conversationId, webhookId);
        return HttpAnswer.Ok(new OutboundAnswer("success", message.ExternalId, externalConversationId));
    }
}

/// <summary>The answer Front expects to <c>message</c> / <c>message_autoreply</c>.</summary>
public sealed record OutboundAnswer(
    [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type,
    [property: System.Text.Json.Serialization.JsonPropertyName("external_id")] string ExternalId,
    [property: System.Text.Json.Serialization.JsonPropertyName("external_conversation_id")] string ExternalConversationId);
