using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FrontSimulator.Model;

namespace FrontSimulator.Api;

/// <summary>Renders messages and conversations as Front's <c>MessageResponse</c> / <c>ConversationResponse</c> (core-api.json).</summary>
internal static partial class FrontResources
{
    /// <param name="includeExternalId">adds <c>metadata.external_id</c> (channel-token requests; switchable in webhooks).</param>
    /// <param name="includeMessageUid">adds <c>message_uid</c>.</param>
    public static JsonObject Message(SimulatedMessage m, ConversationView conversation, string host, bool includeExternalId, bool includeMessageUid)
    {
        var json = new JsonObject
        {
            ["_links"] = new JsonObject
            {
                ["self"] = $"{host}/messages/{m.Id}",
                ["related"] = new JsonObject { ["conversation"] = $"{host}/conversations/{conversation.Id}" },
            },
            ["id"] = m.Id,
        };
        if (includeMessageUid)
        {
            json["message_uid"] = m.Uid;
        }

        json["type"] = "custom";
        json["is_inbound"] = m.IsInbound;
        json["draft_mode"] = null;
        json["created_at"] = m.CreatedAt;
        json["subject"] = m.Subject ?? string.Empty;
        json["blurb"] = Blurb(m.Body);
        json["body"] = m.Body;
        json["text"] = PlainText(m.Body);
        json["recipients"] = new JsonArray([.. m.Recipients.Select(Recipient)]);
        json["attachments"] = new JsonArray();
        if (includeExternalId)
        {
            json["metadata"] = new JsonObject { ["external_id"] = m.ExternalId };
        }

        return json;
    }

    /// <param name="includeExternalIds">adds <c>metadata.external_conversation_ids</c> (channel-token requests only).</param>
    public static JsonObject Conversation(ConversationView c, string host, bool includeExternalIds)
    {
        var self = $"{host}/conversations/{c.Id}";
        var related = new JsonObject
        {
            ["events"] = self + "/events",
            ["followers"] = self + "/followers",
            ["messages"] = self + "/messages",
            ["comments"] = self + "/comments",
            ["inboxes"] = self + "/inboxes",
        };
        if (c.LastMessageId is { } last)
        {
            related["last_message"] = $"{host}/messages/{last}?referer=conversation";
        }

        var metadata = new JsonObject();
        if (includeExternalIds)
        {
            metadata["external_conversation_ids"] = new JsonArray([.. c.ExternalConversationIds.Select(e => (JsonNode?)e)]);
        }

        return new JsonObject
        {
            ["_links"] = new JsonObject { ["self"] = self, ["related"] = related },
            ["id"] = c.Id,
            ["type"] = "conversation",
            ["subject"] = c.Subject,
            ["status"] = "unassigned",
            ["status_category"] = "open",
            ["ticket_ids"] = new JsonArray(),
            ["assignee"] = null,
            ["recipient"] = c.MainRecipient is { } r ? Recipient(r) : null,
            ["tags"] = new JsonArray(),
            ["links"] = new JsonArray(),
            ["custom_fields"] = new JsonObject(),
            ["created_at"] = c.CreatedAt,
            ["updated_at"] = c.UpdatedAt,
            ["is_private"] = false,
            ["scheduled_reminders"] = new JsonArray(),
            ["metadata"] = metadata,
        };
    }

    public static JsonObject Accepted(string messageUid) => new() { ["status"] = "accepted", ["message_uid"] = messageUid };

    internal static JsonNode Recipient(MessageParty p) => new JsonObject
    {
        ["_links"] = new JsonObject { ["related"] = new JsonObject { ["contact"] = null } },
        ["name"] = p.Name,
        ["handle"] = p.Handle,
        ["role"] = p.Role,
    };

    internal static string PlainText(string body) => Tags().Replace(body, string.Empty);

    internal static string Blurb(string body)
    {
        var text = PlainText(body).Trim();
        return text.Length <= 100 ? text : text[..100];
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();
}
