using System.Text.Json;
using FrontFunctions.Front;

namespace FrontFunctions.Ingest;

/// <summary>Reads the ids a <c>message_imported</c> notification carries (docs/front-channel-api.md, the seed).</summary>
public static class ImportedMessageReader
{
    /// <summary>Builds the queue item, or says what makes the payload unusable.</summary>
    public static IngestNotification? TryRead(
        string channelId, FrontWebhookEnvelope envelope, DateTimeOffset receivedAt, out string? problem)
    {
        var payload = envelope.Payload;
        var messageId = payload.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        if (!FrontIds.IsResourceId(messageId, "msg_"))
        {
            problem = "The message_imported payload has no usable message id (payload.id must be a \"msg_…\" id).";
            return null;
        }

        // The conversation id is not a field of its own: it is the last segment of _links.related.conversation.
        var link = payload.TryGetProperty("_links", out var links) && links.ValueKind == JsonValueKind.Object
            && links.TryGetProperty("related", out var related) && related.ValueKind == JsonValueKind.Object
            && related.TryGetProperty("conversation", out var conversation) && conversation.ValueKind == JsonValueKind.String
                ? conversation.GetString()
                : null;
        var conversationId = FrontIds.ConversationIdFromLink(link);
        if (conversationId is null)
        {
            problem = "The message_imported payload has no usable conversation link (payload._links.related.conversation must end in a \"cnv_…\" id).";
            return null;
        }

        problem = null;
        return new IngestNotification
        {
            DeliveryKey = IngestNotification.DeliveryKeyFor(channelId, messageId!),
            ChannelId = channelId,
            ReceivedAt = receivedAt,
            MessageId = messageId!,
            ConversationId = conversationId,
            ExternalConversationIds = ExternalConversationIds(envelope.Metadata),
            ExternalId = payload.TryGetProperty("metadata", out var pm) && pm.ValueKind == JsonValueKind.Object
                ? NonEmptyString(pm, "external_id")
                : null,
            MessageUid = NonEmptyString(payload, "message_uid"),
            Envelope = envelope.Root,
        };
    }

    private static List<string> ExternalConversationIds(JsonElement? metadata)
    {
        var ids = new List<string>();
        if (metadata is not { } m)
        {
            return ids;
        }

        if (m.TryGetProperty("external_conversation_ids", out var many) && many.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in many.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } s && !ids.Contains(s))
                {
                    ids.Add(s);
                }
            }
        }

        // "external_conversation_id" is to be deprecated in favour of the list; take it when the list lacks it.
        if (NonEmptyString(m, "external_conversation_id") is { } single && !ids.Contains(single))
        {
            ids.Add(single);
        }

        return ids;
    }

    private static string? NonEmptyString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s
            ? s
            : null;
}
