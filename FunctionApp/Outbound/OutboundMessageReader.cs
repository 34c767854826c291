using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FrontFunctions.Front;

namespace FrontFunctions.Outbound;

/// <summary>
/// A message a teammate (or Front's auto-reply) sent on the channel, as Front posts it in a <c>message</c> or
/// <c>message_autoreply</c> request: the ids the answer needs and the event the partner receives.
/// </summary>
public sealed record OutboundMessage(
    string Type,
    string ChannelId,
    string? MessageId,
    string ConversationId,
    string? RepliedToMessageId,
    string ExternalId,
    JsonObject Data);

/// <summary>Reads <c>message</c> / <c>message_autoreply</c> payloads (docs/front-channel-api.md).</summary>
public static class OutboundMessageReader
{
    /// <summary>Prefix of the external ids this app gives Front's own messages and conversations.</summary>
    public const string ExternalIdPrefix = IdMap.MergeRules.MintedIdPrefix;

    public static OutboundMessage? TryRead(string channelId, FrontWebhookEnvelope envelope, out string? problem)
    {
        var payload = envelope.Payload;
        var messageId = String(payload, "id");
        var isAutoreply = envelope.Type == FrontWebhookEnvelope.MessageAutoreply;
        if (messageId is not null && !FrontIds.IsResourceId(messageId, "msg_"))
        {
            problem = $"The {envelope.Type} payload's id must be a \"msg_…\" id.";
            return null;
        }

        if (messageId is null && !isAutoreply)
        {
            problem = "The message payload has no id (payload.id must be a \"msg_…\" id).";
            return null;
        }

        var related = payload.TryGetProperty("_links", out var links) && links.ValueKind == JsonValueKind.Object
            && links.TryGetProperty("related", out var r) && r.ValueKind == JsonValueKind.Object ? r : (JsonElement?)null;
        var conversationId = FrontIds.ConversationIdFromLink(related is { } rel ? String(rel, "conversation") : null);
        if (conversationId is null)
        {
            problem = $"The {envelope.Type} payload has no usable conversation link (payload._links.related.conversation must end in a \"cnv_…\" id).";
            return null;
        }

        var repliedTo = related is { } rr ? MessageIdFromLink(String(rr, "message_replied_to")) : null;
        var body = String(payload, "body") ?? "";
        var text = String(payload, "text");

        // An auto-reply without an id may still name itself in _links.self: that is its Front message id.
        messageId ??= links.ValueKind == JsonValueKind.Object ? MessageIdFromLink(String(links, "self")) : null;
        var externalId = messageId is not null
            ? ExternalIdPrefix + messageId
            : AutoreplyExternalId(conversationId, repliedTo, body, CreatedAt(payload));

        problem = null;
        var data = new JsonObject
        {
            ["channel_id"] = channelId,
            ["message_id"] = messageId,
            ["conversation_id"] = conversationId,
            ["replied_to_message_id"] = repliedTo,
            ["external_id"] = externalId,
            ["external_conversation_id"] = null, // filled in once the map has answered
            ["author"] = Author(payload),
            ["recipients"] = Recipients(payload),
            ["subject"] = String(payload, "subject"),
            ["text"] = text,
            ["body"] = body,
            ["attachments"] = Attachments(payload),
            ["created_at"] = CreatedAt(payload),
        };
        return new OutboundMessage(envelope.Type, channelId, messageId, conversationId, repliedTo, externalId, data);
    }

    /// <summary>
    /// An auto-reply usually has no id (nor a <c>_links.self</c>): its external id is derived from what identifies it, the
    /// message it replies to (the conversation when it replies to nothing known), its Front <c>created_at</c> (the time Front
    /// sent it, to the millisecond: two auto-replies with the same text sent at different times are two messages) and its
    /// body, so Front's retry of the same auto-reply (the same payload) gets the same one, and another auto-reply another
    /// one. Only an auto-reply with no <c>created_at</c> either falls back on its body alone.
    /// </summary>
    public static string AutoreplyExternalId(string conversationId, string? repliedTo, string body, string? createdAt = null)
    {
        var identity = createdAt is null ? body : createdAt + "\n" + body;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)).AsSpan(0, 12));
        return $"{ExternalIdPrefix}autoreply:{repliedTo ?? conversationId}:{hash}";
    }

    /// <summary>The external conversation id minted for a Front conversation that has none.</summary>
    public static string MintConversationId(string conversationId) => ExternalIdPrefix + conversationId;

    private static string? MessageIdFromLink(string? link)
    {
        if (link is null || !Uri.TryCreate(link, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var last = Uri.UnescapeDataString(uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "");
        return FrontIds.IsResourceId(last, "msg_") ? last : null;
    }

    private static JsonObject? Author(JsonElement payload)
    {
        if (!payload.TryGetProperty("author", out var author) || author.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return new JsonObject
        {
            ["id"] = String(author, "id"),
            ["email"] = String(author, "email"),
            ["username"] = String(author, "username"),
            ["first_name"] = String(author, "first_name"),
            ["last_name"] = String(author, "last_name"),
        };
    }

    private static JsonArray Recipients(JsonElement payload)
    {
        var list = new JsonArray();
        if (payload.TryGetProperty("recipients", out var recipients) && recipients.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in recipients.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object))
            {
                list.Add(new JsonObject { ["handle"] = String(r, "handle"), ["role"] = String(r, "role"), ["name"] = String(r, "name") });
            }
        }

        return list;
    }

    private static JsonArray Attachments(JsonElement payload)
    {
        var list = new JsonArray();
        if (payload.TryGetProperty("attachments", out var attachments) && attachments.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in attachments.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.Object))
            {
                list.Add(new JsonObject
                {
                    ["id"] = String(a, "id"),
                    ["filename"] = String(a, "filename"),
                    ["url"] = String(a, "url"),
                    ["content_type"] = String(a, "content_type"),
                    ["size"] = a.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Number ? JsonValue.Create(size.GetInt64()) : null,
                    ["is_inline"] = a.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object
                        && m.TryGetProperty("is_inline", out var inline) && inline.ValueKind is JsonValueKind.True or JsonValueKind.False
                            ? JsonValue.Create(inline.GetBoolean())
                            : null,
                });
            }
        }

        return list;
    }

    /// <summary>Front's <c>created_at</c> (seconds since the epoch, with a fraction) as an ISO 8601 UTC time, or null.</summary>
    private static string? CreatedAt(JsonElement payload) =>
        payload.TryGetProperty("created_at", out var created) && created.ValueKind == JsonValueKind.Number
            && created.TryGetDouble(out var seconds) && seconds is > 0 and < 253402300799
                ? DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
                : null;

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
