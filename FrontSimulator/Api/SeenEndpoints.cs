using System.Globalization;
using System.Text.Json.Nodes;
using FrontSimulator.Model;
using FrontSimulator.Pipeline;
using Microsoft.AspNetCore.Http;

namespace FrontSimulator.Api;

/// <summary>
/// <c>GET|POST /messages/{message_id}/seen</c> (core-api.json): POST marks an outbound message seen (204; an inbound
/// message is 400), at most <see cref="ConversationStates.SeenMarksPerHour"/> times per message per hour (429 with
/// <c>retry-after</c> beyond); GET lists the receipts (<c>listOfSeenReceipts</c>). A channel token reaches only its channel's
/// messages (404 otherwise).
/// </summary>
internal static class SeenEndpoints
{
    public const string Route = "/messages/{message_id}/seen";

    public static async Task MarkAsync(HttpContext context, SimulatorStore store, ConversationStates states)
    {
        if (await FindAsync(context, store, states) is not { } message)
        {
            return;
        }

        if (message.Inbound)
        {
            await FrontErrors.WriteAsync(context, 400, "Only outbound messages can be marked seen.");
            return;
        }

        if (!states.TryMarkSeen(message.Id, out var retryAfter))
        {
            context.Response.Headers["retry-after"] = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await FrontErrors.WriteAsync(context, 429, $"A message can be marked seen {ConversationStates.SeenMarksPerHour} times per hour.");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    public static async Task GetAsync(HttpContext context, SimulatorStore store, ConversationStates states, SimulatorOptions options)
    {
        if (await FindAsync(context, store, states) is not { } message)
        {
            return;
        }

        var host = ConversationEndpoints.Host(options);
        var marks = states.SeenMarks(message.Id);
        var self = $"{host}/messages/{message.Id}/seen";
        await FrontErrors.WriteJsonAsync(context, 200, new JsonObject
        {
            ["_pagination"] = new JsonObject { ["next"] = null },
            ["_links"] = new JsonObject { ["self"] = self },
            ["_results"] = new JsonArray([.. marks.Take(1).Select(first => (JsonNode?)new JsonObject
            {
                ["_links"] = new JsonObject { ["self"] = self, ["related"] = new JsonObject { ["message"] = $"{host}/messages/{message.Id}" } },
                ["first_seen_at"] = ((long)(first * 1000)).ToString(CultureInfo.InvariantCulture),
                ["seen_by"] = new JsonObject { ["handle"] = message.SeenBy, ["source"] = "custom" },
            })]),
        });
    }

    private sealed record Found(string Id, bool Inbound, string SeenBy);

    private static async Task<Found?> FindAsync(HttpContext context, SimulatorStore store, ConversationStates states)
    {
        var id = (string)context.Request.RouteValues["message_id"]!;
        var caller = FrontApiMiddleware.Caller(context);
        var found = store.FindMessage(id) is { } imported && (caller.ChannelId is null || imported.ChannelId == caller.ChannelId)
            ? new Found(imported.Id, imported.IsInbound, imported.Recipients.FirstOrDefault(r => r.Role == "to")?.Handle ?? "end-user")
            : states.FindTeammateMessage(id) is { } sent && (caller.ChannelId is null || sent.ChannelId == caller.ChannelId)
                ? new Found(sent.MessageId, false, sent.To)
                : (Found?)null;
        if (found is null)
        {
            await FrontErrors.WriteAsync(context, 404, "Message not found.");
        }

        return found;
    }
}
