using System.Text.Json;
using System.Text.Json.Nodes;
using FrontSimulator.Model;
using FrontSimulator.Pipeline;
using Microsoft.AspNetCore.Http;

namespace FrontSimulator.Api;

/// <summary>
/// <c>PUT /channels/{channel_id}/conversations/{conv_ext_id}/messages/{message_ext_id}/status</c> (channel-api.json,
/// "Update external message status"): body <c>{"status":"failed","reason":…}</c> (<c>status</c> required, only
/// <c>failed</c>; <c>reason</c> an optional string; nothing else), a channel token of that channel. 204: the message is marked
/// failed and its conversation reopened. 400 a body the schema refuses, or an inbound message ("only available for outbound
/// messages"); 403 another channel's token; 404 no such message, or not in that conversation.
/// </summary>
internal static class MessageStatusEndpoints
{
    public const string Route = "/channels/{channel_id}/conversations/{conv_ext_id}/messages/{message_ext_id}/status";

    public static async Task UpdateAsync(HttpContext context, SimulatorStore store, MessageStatuses statuses, ConversationStates states, TimeProvider time)
    {
        var channelId = (string)context.Request.RouteValues["channel_id"]!;
        var conversationExternalId = Unescape((string)context.Request.RouteValues["conv_ext_id"]!);
        var messageExternalId = Unescape((string)context.Request.RouteValues["message_ext_id"]!);
        var caller = FrontApiMiddleware.Caller(context);
        if (caller.ChannelId is null || !string.Equals(caller.ChannelId, channelId, StringComparison.Ordinal))
        {
            await FrontErrors.WriteAsync(context, 403, "The channel token does not grant access to this channel.");
            return;
        }

        var (parsed, root) = await FrontErrors.ReadJsonAsync(context);
        if (!parsed)
        {
            return;
        }

        if (Problem(root) is { } problem)
        {
            await FrontErrors.WriteAsync(context, 400, problem);
            return;
        }

        var message = statuses.Find(channelId, messageExternalId);
        if (message is null && store.ChannelContents(channelId) is { } contents
            && contents.Messages.FirstOrDefault(m => m.ExternalId == messageExternalId) is { } imported)
        {
            if (imported.IsInbound)
            {
                await FrontErrors.WriteAsync(context, 400, "This endpoint is only available for outbound messages.");
                return;
            }

            message = statuses.GetOrAdd(channelId, imported.Id, imported.ConversationId, imported.ExternalId, imported.ExternalConversationId);
        }

        if (message is null)
        {
            await FrontErrors.WriteAsync(context, 404, "Message not found.");
            return;
        }

        var conversation = store.FindConversation(message.ConversationId) is { } c ? store.SurvivorOf(c.Id) : null;
        if (message.ExternalConversationId != conversationExternalId && conversation?.ExternalConversationIds.Contains(conversationExternalId) != true)
        {
            await FrontErrors.WriteAsync(context, 404, "The message is not in a conversation with this external id.");
            return;
        }

        statuses.MarkFailed(message, root!["reason"]?.GetValue<string>(), time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
        states.Reopen(conversation?.Id ?? message.ConversationId); // the conversation's status shows it reopened
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>What the spec's request schema refuses (unknown properties are refused too, as a strict reading).</summary>
    private static string? Problem(JsonNode? root)
    {
        if (root is not JsonObject body)
        {
            return "The body must be a JSON object.";
        }

        if (body["status"] is not JsonValue status || status.GetValueKind() != JsonValueKind.String)
        {
            return "status is required and must be a string.";
        }

        if (status.GetValue<string>() != "failed")
        {
            return "status must be one of: failed.";
        }

        if (body.ContainsKey("reason") && (body["reason"] is not JsonValue reason || reason.GetValueKind() != JsonValueKind.String))
        {
            return "reason must be a string.";
        }

        return body.Select(p => p.Key).FirstOrDefault(k => k is not ("status" or "reason")) is { } unknown
            ? $"Unknown property {unknown}."
            : null;
    }

    /// <summary>Kestrel leaves an encoded slash (<c>%2F</c>) in a path segment encoded.</summary>
    private static string Unescape(string segment) => segment.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
}
