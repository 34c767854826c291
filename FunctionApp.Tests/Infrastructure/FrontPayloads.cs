using System.Text.Json;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>Envelopes shaped as Front sends them (docs/front-channel-api.md).</summary>
public static class FrontPayloads
{
    public static string Authorization(string channelId) =>
        JsonSerializer.Serialize(new { type = "authorization", payload = new { channel_id = channelId } });

    public static string Delete(string channelId) =>
        JsonSerializer.Serialize(new { type = "delete", payload = new { channel_id = channelId } });

    public static string MessageImported(
        string messageId,
        string conversationId,
        string[]? externalConversationIds = null,
        string? externalId = null,
        string? messageUid = null,
        string host = "https://acme.api.frontapp.com",
        string body = "Hello from the partner system")
    {
        var payload = new Dictionary<string, object?>
        {
            ["_links"] = new { self = $"{host}/messages/{messageId}", related = new { conversation = $"{host}/conversations/{conversationId}" } },
            ["id"] = messageId,
            ["type"] = "custom",
            ["is_inbound"] = true,
            ["created_at"] = 1700000000.5,
            ["body"] = body,
            ["text"] = body,
        };
        if (messageUid is not null)
        {
            payload["message_uid"] = messageUid;
        }

        if (externalId is not null)
        {
            payload["metadata"] = new { external_id = externalId };
        }

        var ids = externalConversationIds ?? ["ext-conv-1"];
        return JsonSerializer.Serialize(new
        {
            type = "message_imported",
            payload,
            metadata = new { external_conversation_id = ids.FirstOrDefault(), external_conversation_ids = ids },
        });
    }
}
