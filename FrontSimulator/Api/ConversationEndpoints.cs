using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FrontSimulator.Model;
using FrontSimulator.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FrontSimulator.Api;

/// <summary>
/// The conversation routes beyond reading it (core-api.json): <c>PATCH /conversations/{id}</c> (<c>UpdateConversation</c>:
/// status, assignee, tags), <c>POST|DELETE /conversations/{id}/tags</c>, <c>GET|POST /conversations/{id}/comments</c>,
/// <c>GET /conversations/{id}/messages</c> (newest first, paginated by <c>_pagination.next</c>). A channel token reaches only
/// its channel's conversations (404 otherwise); a merged conversation answers 301 to the survivor, as Front's spec says of
/// each route. Seen receipts are in <see cref="SeenEndpoints"/>, the conversation's inboxes in <see cref="InboxEndpoints"/>.
/// </summary>
internal static class ConversationEndpoints
{
    public const string ConversationRoute = "/conversations/{conversation_id}";
    public const string TagsRoute = "/conversations/{conversation_id}/tags";
    public const string CommentsRoute = "/conversations/{conversation_id}/comments";
    public const string MessagesRoute = "/conversations/{conversation_id}/messages";

    private static readonly string[] Statuses = ["archived", "open", "deleted", "spam"];

    public static void MapConversationApi(this IEndpointRouteBuilder app)
    {
        app.MapPatch(ConversationRoute, UpdateAsync);
        app.MapPost(TagsRoute, (HttpContext c, SimulatorStore store, ConversationStates states) => ChangeTagsAsync(c, store, states, add: true));
        app.MapDelete(TagsRoute, (HttpContext c, SimulatorStore store, ConversationStates states) => ChangeTagsAsync(c, store, states, add: false));
        app.MapGet(CommentsRoute, ListCommentsAsync);
        app.MapPost(CommentsRoute, AddCommentAsync);
        app.MapGet(MessagesRoute, ListMessagesAsync);
        app.MapGet(InboxEndpoints.Route, InboxEndpoints.ListAsync);
        app.MapGet(SeenEndpoints.Route, SeenEndpoints.GetAsync);
        app.MapPost(SeenEndpoints.Route, SeenEndpoints.MarkAsync);
    }

    /// <summary>Writes the state's status, assignee and tags into a rendered <c>ConversationResponse</c>.</summary>
    public static void ApplyState(JsonObject conversation, ConversationState state, string host)
    {
        conversation["status"] = state.Status;
        conversation["status_category"] = state.Status switch { "archived" => "resolved", "deleted" => "resolved", _ => "open" };
        conversation["assignee"] = state.AssigneeId is { } assignee ? Teammate(assignee, host) : null;
        conversation["tags"] = new JsonArray([.. state.TagIds.Select(t => (JsonNode?)Tag(t, host))]);
    }

    /// <summary>The survivor the route's conversation id names, or null once the answer (404 or 301) is written.</summary>
    public static async Task<ConversationView?> ResolveAsync(HttpContext context, SimulatorStore store, string suffix)
    {
        var id = (string)context.Request.RouteValues["conversation_id"]!;
        var caller = FrontApiMiddleware.Caller(context);
        var conversation = store.FindConversation(id);
        var survivor = conversation is null ? null : store.SurvivorOf(id);
        if (conversation is null || survivor is null
            || (caller.ChannelId is { } channel && !conversation.ChannelIds.Contains(channel) && !survivor.ChannelIds.Contains(channel)))
        {
            await FrontErrors.WriteAsync(context, 404, "Conversation not found.");
            return null;
        }

        if (conversation.MergedInto is not null)
        {
            context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
            context.Response.Headers.Location = $"{context.Request.Scheme}://{context.Request.Host}/conversations/{Uri.EscapeDataString(survivor.Id)}{suffix}";
            return null;
        }

        return survivor;
    }

    private static async Task UpdateAsync(HttpContext context, SimulatorStore store, ConversationStates states)
    {
        if (await ResolveAsync(context, store, "") is not { } conversation || await ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        var allowed = new[] { "assignee_id", "inbox_id", "status", "status_id", "tag_ids", "description", "due_at", "custom_fields" };
        var problem = body.Select(p => p.Key).FirstOrDefault(k => !allowed.Contains(k)) is { } unknown ? $"Unknown property {unknown}." : null;
        problem ??= body.ContainsKey("status") && (body["status"] is not JsonValue s || s.GetValueKind() != JsonValueKind.String || !Statuses.Contains(s.GetValue<string>()))
            ? "status must be one of: archived, open, deleted, spam." : null;
        problem ??= body.ContainsKey("assignee_id") && body["assignee_id"] is not null && (body["assignee_id"] is not JsonValue a || a.GetValueKind() != JsonValueKind.String)
            ? "assignee_id must be a string (null to unassign)." : null;
        problem ??= body.ContainsKey("tag_ids") && TagIds(body["tag_ids"]) is null ? "tag_ids must be an array of tag ids." : null;
        if (problem is not null)
        {
            await FrontErrors.WriteAsync(context, 400, problem);
            return;
        }

        states.Update(conversation.Id, state =>
        {
            if (body.ContainsKey("assignee_id"))
            {
                state.AssigneeId = body["assignee_id"]?.GetValue<string>();
                if (state.Status is "assigned" or "unassigned")
                {
                    state.Status = state.AssigneeId is null ? "unassigned" : "assigned";
                }
            }

            if (body["status"]?.GetValue<string>() is { } status)
            {
                state.Status = status switch { "open" => state.AssigneeId is null ? "unassigned" : "assigned", "spam" => "deleted", _ => status };
            }

            if (body.ContainsKey("tag_ids"))
            {
                state.TagIds.Clear();
                state.TagIds.AddRange(TagIds(body["tag_ids"])!);
            }

            state.Updates++;
        });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task ChangeTagsAsync(HttpContext context, SimulatorStore store, ConversationStates states, bool add)
    {
        if (await ResolveAsync(context, store, "/tags") is not { } conversation || await ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        if (TagIds(body["tag_ids"]) is not { Count: > 0 } tags || body.Count != 1)
        {
            await FrontErrors.WriteAsync(context, 400, "tag_ids is required: an array of tag ids.");
            return;
        }

        states.Update(conversation.Id, state =>
        {
            if (add)
            {
                state.TagIds.AddRange(tags.Where(t => !state.TagIds.Contains(t)));
            }
            else
            {
                state.TagIds.RemoveAll(tags.Contains);
            }

            state.Updates++;
        });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task ListCommentsAsync(HttpContext context, SimulatorStore store, ConversationStates states, SimulatorOptions options)
    {
        if (await ResolveAsync(context, store, "/comments") is not { } conversation)
        {
            return;
        }

        var host = Host(options);
        await FrontErrors.WriteJsonAsync(context, 200, new JsonObject
        {
            ["_links"] = new JsonObject { ["self"] = $"{host}/conversations/{conversation.Id}/comments" },
            ["_results"] = new JsonArray([.. states.Get(conversation.Id).Comments.Select(c => (JsonNode?)Comment(c, conversation.Id, host))]),
        });
    }

    private static async Task AddCommentAsync(HttpContext context, SimulatorStore store, ConversationStates states, SimulatorOptions options, TimeProvider time)
    {
        if (await ResolveAsync(context, store, "/comments") is not { } conversation || await ReadObjectAsync(context) is not { } body)
        {
            return;
        }

        if (body["body"] is not JsonValue text || text.GetValueKind() != JsonValueKind.String
            || body.Select(p => p.Key).Any(k => k is not ("author_id" or "body" or "is_pinned"))
            || (body.ContainsKey("author_id") && (body["author_id"] is not JsonValue a || a.GetValueKind() != JsonValueKind.String)))
        {
            await FrontErrors.WriteAsync(context, 400, "body is required (a string); author_id and is_pinned are optional.");
            return;
        }

        var comment = new SimulatedComment(
            SimulatorStore.NewId("com_"), text.GetValue<string>(), body["author_id"]?.GetValue<string>() ?? "tea_channel",
            time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
        states.Update(conversation.Id, s => s.Comments.Add(comment));
        await FrontErrors.WriteJsonAsync(context, 201, Comment(comment, conversation.Id, Host(options)));
    }

    private static async Task ListMessagesAsync(HttpContext context, SimulatorStore store, ConversationStates states, SimulatorOptions options)
    {
        if (await ResolveAsync(context, store, "/messages" + context.Request.QueryString) is not { } conversation)
        {
            return;
        }

        var query = context.Request.Query;
        var limit = 25;
        if (query.ContainsKey("limit") && (!int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            await FrontErrors.WriteAsync(context, 400, "limit must be an integer from 1 to 100.");
            return;
        }

        var offset = 0;
        if (query["page_token"].ToString() is { Length: > 0 } token && !TryReadPageToken(token, conversation.Id, out offset))
        {
            await FrontErrors.WriteAsync(context, 400, "Invalid page_token.");
            return;
        }

        var caller = FrontApiMiddleware.Caller(context);
        var host = Host(options);
        var all = Messages(store, states, conversation).OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id, StringComparer.Ordinal).ToList();
        var page = all.Skip(offset).Take(limit).ToList();
        var self = $"{host}/conversations/{conversation.Id}/messages";
        var next = offset + limit < all.Count ? $"{self}?limit={limit}&page_token={PageToken(conversation.Id, offset + limit)}" : null;
        await FrontErrors.WriteJsonAsync(context, 200, new JsonObject
        {
            ["_pagination"] = new JsonObject { ["next"] = next },
            ["_links"] = new JsonObject { ["self"] = self },
            ["_results"] = new JsonArray([.. page.Select(m =>
            {
                var json = FrontResources.Message(m, conversation, host, includeExternalId: caller.IsChannel && m.ExternalId.Length > 0, includeMessageUid: false);
                return (JsonNode?)json;
            })]),
        });
    }

    /// <summary>The conversation's messages: the imported ones (its own and those of conversations merged into it) and the teammates'.</summary>
    internal static IEnumerable<SimulatedMessage> Messages(SimulatorStore store, ConversationStates states, ConversationView conversation)
    {
        var merged = conversation.ChannelIds
            .SelectMany(c => store.ChannelContents(c)?.Conversations ?? [])
            .Where(c => store.SurvivorOf(c.Id)?.Id == conversation.Id)
            .Select(c => c.Id)
            .Append(conversation.Id)
            .ToHashSet(StringComparer.Ordinal);
        var imported = conversation.MessageIds.Select(store.FindMessage).OfType<SimulatedMessage>();
        var teammates = states.TeammateMessagesOf(merged).Select(t => new SimulatedMessage(
            t.MessageId, string.Empty, t.ChannelId, t.ConversationId, t.ExternalId ?? string.Empty, string.Empty, false, t.Subject, t.Body, t.CreatedAt,
            [new MessageParty(t.To, null, "to")]));
        return imported.Concat(teammates);
    }

    internal static string Host(SimulatorOptions options) => options.CompanyHost.TrimEnd('/');

    /// <summary>The request's JSON object, or null once a 400 is written.</summary>
    internal static async Task<JsonObject?> ReadObjectAsync(HttpContext context)
    {
        try
        {
            if (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) is JsonObject body)
            {
                return body;
            }
        }
        catch (JsonException)
        {
        }

        await FrontErrors.WriteAsync(context, 400, "The body must be a JSON object.");
        return null;
    }

    private static List<string>? TagIds(JsonNode? node) =>
        node is JsonArray array && array.All(t => t is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            ? [.. array.Select(t => t!.GetValue<string>())]
            : null;

    private static string PageToken(string conversationId, int offset) =>
        Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes($"{conversationId}:{offset}"));

    private static bool TryReadPageToken(string token, string conversationId, out int offset)
    {
        offset = 0;
        try
        {
            var parts = System.Text.Encoding.UTF8.GetString(Convert.FromHexString(token)).Split(':');
            return parts.Length == 2 && parts[0] == conversationId && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out offset);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    internal static JsonObject Teammate(string id, string host) => new()
    {
        ["_links"] = new JsonObject { ["self"] = $"{host}/teammates/{id}", ["related"] = new JsonObject() },
        ["id"] = id,
        ["email"] = $"{id}@sim.example",
        ["username"] = id,
        ["first_name"] = "Sim",
        ["last_name"] = id,
        ["license_type"] = "full",
        ["is_admin"] = false,
        ["is_available"] = true,
        ["is_blocked"] = false,
        ["type"] = "user",
        ["custom_fields"] = new JsonObject(),
    };

    private static JsonObject Tag(string id, string host) => new()
    {
        ["_links"] = new JsonObject { ["self"] = $"{host}/tags/{id}", ["related"] = new JsonObject { ["conversations"] = $"{host}/tags/{id}/conversations" } },
        ["id"] = id,
        ["name"] = id.StartsWith("tag_", StringComparison.Ordinal) ? id[4..] : id,
        ["description"] = null,
        ["highlight"] = null,
        ["is_private"] = false,
        ["is_visible_in_conversation_lists"] = true,
    };

    private static JsonObject Comment(SimulatedComment c, string conversationId, string host) => new()
    {
        ["_links"] = new JsonObject
        {
            ["self"] = $"{host}/comments/{c.Id}",
            ["related"] = new JsonObject { ["conversation"] = $"{host}/conversations/{conversationId}", ["mentions"] = $"{host}/comments/{c.Id}/mentions" },
        },
        ["id"] = c.Id,
        ["author"] = Teammate(c.AuthorId, host),
        ["body"] = c.Body,
        ["posted_at"] = c.PostedAt,
        ["attachments"] = new JsonArray(),
        ["is_pinned"] = false,
    };
}
