using System.Text.Json.Nodes;
using FrontSimulator.Model;
using Microsoft.AspNetCore.Http;

namespace FrontSimulator.Api;

/// <summary>
/// <c>GET /conversations/{conversation_id}/inboxes</c> (core-api.json, <c>list-conversation-inboxes</c>): the inboxes a
/// conversation is listed in (<c>listOfInboxes</c>). In the simulator each channel lives in one inbox of its own
/// (<see cref="InboxOf"/>), so a conversation is listed in its channels' inboxes. A merged conversation answers 301, a
/// channel token reaches only its channel's conversations (404 otherwise), as on every conversation route.
/// </summary>
internal static class InboxEndpoints
{
    public const string Route = "/conversations/{conversation_id}/inboxes";

    /// <summary>The simulator's inbox of a channel: <c>inb_</c> and the channel id's own part.</summary>
    public static string InboxOf(string channelId) => "inb_" + (channelId.StartsWith("cha_", StringComparison.Ordinal) ? channelId[4..] : channelId);

    public static async Task ListAsync(HttpContext context, SimulatorStore store, SimulatorOptions options)
    {
        if (await ConversationEndpoints.ResolveAsync(context, store, "/inboxes") is not { } conversation)
        {
            return;
        }

        var host = ConversationEndpoints.Host(options);
        await FrontErrors.WriteJsonAsync(context, 200, new JsonObject
        {
            ["_links"] = new JsonObject { ["self"] = $"{host}/conversations/{conversation.Id}/inboxes" },
            ["_results"] = new JsonArray([.. conversation.ChannelIds.Select(channel => (JsonNode?)Inbox(InboxOf(channel), channel, host))]),
        });
    }

    private static JsonObject Inbox(string id, string channelId, string host) => new()
    {
        ["_links"] = new JsonObject
        {
            ["self"] = $"{host}/inboxes/{id}",
            ["related"] = new JsonObject
            {
                ["teammates"] = $"{host}/inboxes/{id}/teammates",
                ["conversations"] = $"{host}/inboxes/{id}/conversations",
                ["channels"] = $"{host}/inboxes/{id}/channels",
            },
        },
        ["id"] = id,
        ["name"] = "Inbox of " + channelId,
        ["is_private"] = false,
        ["is_public"] = true,
    };
}
