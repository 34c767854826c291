using System.Text.Json.Nodes;
using FrontSimulator.Faults;
using FrontSimulator.Importing;
using FrontSimulator.Model;
using FrontSimulator.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FrontSimulator.Api;

/// <summary>The Front API routes the simulator serves.</summary>
internal static class FrontApiEndpoints
{
    public static void MapFrontApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/channels/{channel_id}/inbound_messages", (HttpContext c) => ImportEndpoints.ImportAsync(c, inbound: true));
        app.MapPost("/channels/{channel_id}/outbound_messages", (HttpContext c) => ImportEndpoints.ImportAsync(c, inbound: false));
        app.MapGet(ResourceEndpoints.MessageRoute, ResourceEndpoints.GetMessageAsync);
        app.MapGet(ResourceEndpoints.ConversationRoute, ResourceEndpoints.GetConversationAsync);
        app.MapPut(MessageStatusEndpoints.Route, MessageStatusEndpoints.UpdateAsync);
        app.MapGet("/channels/{channel_id}", ChannelEndpoints.GetChannelAsync);
        app.MapConversationApi(); // ConversationEndpoints: state, tags, comments, messages, seen
    }
}

/// <summary>
/// <c>GET /channels/{channel_id}</c> (core-api.json "Get channel"): 200 with the channel for its own channel token or the
/// company token, 403 for another channel's token, 404 unknown. A deleted channel's token never gets here (401, see
/// <c>ChannelTokenValidator</c>); the company token gets 404 for it.
/// </summary>
internal static class ChannelEndpoints
{
    public static async Task GetChannelAsync(HttpContext context, SimulatorStore store, SimulatorOptions options)
    {
        var channelId = (string)context.Request.RouteValues["channel_id"]!;
        var caller = FrontApiMiddleware.Caller(context);
        if (caller.ChannelId is { } own && !string.Equals(own, channelId, StringComparison.Ordinal))
        {
            await FrontErrors.WriteAsync(context, 403, "The channel token does not grant access to this channel.");
            return;
        }

        if (store.FindChannel(channelId) is null || store.IsChannelDeleted(channelId))
        {
            await FrontErrors.WriteAsync(context, 404, "Channel not found.");
            return;
        }

        var host = store.HostOf(channelId, options);
        await FrontErrors.WriteJsonAsync(context, 200, new JsonObject
        {
            ["_links"] = new JsonObject { ["self"] = $"{host}/channels/{channelId}" },
            ["id"] = channelId,
            ["type"] = "custom",
            ["address"] = channelId,
            ["send_as"] = channelId,
            ["settings"] = new JsonObject(),
            ["is_private"] = false,
            ["is_valid"] = true,
        });
    }
}

/// <summary>
/// <c>POST /channels/{channel_id}/inbound_messages</c> and <c>/outbound_messages</c> (Front's "sync" import).
/// A channel token whose <c>sub</c> is another channel, or a company API token, gets 403.
/// </summary>
internal static class ImportEndpoints
{
    public static async Task ImportAsync(HttpContext context, bool inbound)
    {
        var channelId = (string)context.Request.RouteValues["channel_id"]!;
        var caller = FrontApiMiddleware.Caller(context);
        if (caller.ChannelId is null)
        {
            await FrontErrors.WriteAsync(context, 403, "The sync endpoints need a channel token.");
            return;
        }

        if (!string.Equals(caller.ChannelId, channelId, StringComparison.Ordinal))
        {
            await FrontErrors.WriteAsync(context, 403, "The channel token does not grant access to this channel.");
            return;
        }

        var read = await ImportBodyReader.ReadAsync(context); // JSON, or multipart/form-data with attachments
        if (read.Problem is not null)
        {
            await FrontErrors.WriteAsync(context, read.Status, read.Problem);
            return;
        }

        var root = read.Root;
        var (draft, problems) = ImportRequestValidator.Validate(root, inbound, channelId);
        if (draft is null)
        {
            await FrontErrors.WriteAsync(context, 400, string.Join("; ", problems));
            return;
        }

        var uid = SimulatorStore.NewUid();
        if (read.Attachments.Count > 0)
        {
            context.RequestServices.GetRequiredService<SimulatedAttachments>().KeepImported(channelId, uid, draft.ExternalId, read.Attachments);
        }

        context.RequestServices.GetRequiredService<ImportProcessor>().Accept(new AcceptedImport(channelId, uid, draft));
        var (fault, delay) = context.RequestServices.GetRequiredService<FaultInjector>().ImportAnswerFault();
        if (fault == ImportAnswerFaults.Drop)
        {
            // Front acted (the message will exist and be notified) but the caller never hears it.
            FrontApiMiddleware.MarkDropped(context);
            context.Abort();
            return;
        }

        if (fault == ImportAnswerFaults.Delay && delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                FrontApiMiddleware.MarkDropped(context); // the caller gave up first
                return;
            }
        }

        await FrontErrors.WriteJsonAsync(context, 202, FrontResources.Accepted(uid));
    }
}

/// <summary>
/// <c>GET /messages/{id}</c>, <c>GET /messages/alt:uid:{uid}</c>, <c>GET /conversations/{id}</c>. A channel token only
/// sees its channel's resources (anything else is 404, existence not revealed) and gets the <c>metadata</c> ids.
/// </summary>
internal static class ResourceEndpoints
{
    public const string MessageRoute = "/messages/{message_id}";
    public const string ConversationRoute = "/conversations/{conversation_id}";
    public const string UidAliasPrefix = "alt:uid:";

    public static async Task GetMessageAsync(HttpContext context, SimulatorStore store, SimulatorOptions options)
    {
        var id = (string)context.Request.RouteValues["message_id"]!;
        var caller = FrontApiMiddleware.Caller(context);
        var message = id.StartsWith(UidAliasPrefix, StringComparison.Ordinal)
            ? store.FindMessageByUid(id[UidAliasPrefix.Length..])
            : store.FindMessage(id);
        if (message is null && context.RequestServices.GetRequiredService<SimulatedAttachments>().FindSent(id) is { } sent
            && (caller.ChannelId is null || caller.ChannelId == sent.ChannelId))
        {
            await FrontErrors.WriteJsonAsync(context, 200, JsonNode.Parse(sent.PayloadJson)!); // a teammate's message, as its webhook carried it
            return;
        }

        if (message is null || (caller.ChannelId is { } channel && message.ChannelId != channel))
        {
            await FrontErrors.WriteAsync(context, 404, "Message not found.");
            return;
        }

        var conversation = store.SurvivingConversationOf(message);
        var body = FrontResources.Message(message, conversation, store.HostOf(message.ChannelId, options), includeExternalId: caller.IsChannel, includeMessageUid: true);
        await FrontErrors.WriteJsonAsync(context, 200, body);
    }

    public static async Task GetConversationAsync(HttpContext context, SimulatorStore store, SimulatorOptions options, ConversationStates states)
    {
        var id = (string)context.Request.RouteValues["conversation_id"]!;
        var caller = FrontApiMiddleware.Caller(context);
        var conversation = store.FindConversation(id);
        var survivor = conversation is null ? null : store.SurvivorOf(id);
        if (conversation is null || survivor is null
            || (caller.ChannelId is { } channel && !conversation.ChannelIds.Contains(channel) && !survivor.ChannelIds.Contains(channel)))
        {
            await FrontErrors.WriteAsync(context, 404, "Conversation not found.");
            return;
        }

        if (conversation.MergedInto is not null)
        {
            var request = context.Request;
            context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            context.Response.Headers.Location = $"{request.Scheme}://{request.Host}/conversations/{Uri.EscapeDataString(survivor.Id)}";
            return;
        }

        var host = store.HostOf(caller.ChannelId ?? conversation.ChannelIds.FirstOrDefault(), options);
        var json = FrontResources.Conversation(conversation, host, includeExternalIds: caller.IsChannel);
        ConversationEndpoints.ApplyState(json, states.Get(conversation.Id), host); // status, assignee, tags
        await FrontErrors.WriteJsonAsync(context, 200, json);
    }
}
