using System.Text.Json;
using System.Text.Json.Nodes;
using FrontFunctions.Front;
using FrontFunctions.Http;
using FrontFunctions.IdMap;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.PartnerApi;

/// <summary>
/// A conversation by the partner's external conversation id: read it as Front has it now, change its status, assignee and
/// tags, add an internal comment. Each call resolves the id through the map (<see cref="PartnerTargets"/>) and makes the
/// Front calls with the channel token (<see cref="FrontApiClient"/>): one for a read.
/// </summary>
public sealed class PartnerConversations(PartnerTargets targets, FrontApiClient front, ILogger<PartnerConversations> logger)
{
    /// <summary>The statuses the partner may set, and Front's name for each (<c>UpdateConversation.status</c>; Front shows a trashed conversation as <c>deleted</c>).</summary>
    public static readonly IReadOnlyDictionary<string, string> Statuses = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["archived"] = "archived",
        ["open"] = "open",
        ["deleted"] = "deleted",
        ["trashed"] = "deleted",
    };

    public const int MaxCommentLength = 65_535;

    /// <param name="include">The query's <c>include</c> (comma-separated): <c>inboxes</c> adds the conversation's inboxes, a
    /// second Front call (<c>GET /conversations/{id}/inboxes</c>); without it a read is one Front call and <c>inboxes</c> is null.</param>
    public async Task<HttpAnswer> GetAsync(string channelId, string externalConversationId, string? include, CancellationToken cancellationToken)
    {
        const string route = "GET /conversations/{conversation_id}";
        const string inboxesRoute = "GET /conversations/{conversation_id}/inboxes";
        var parts = (include ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.FirstOrDefault(p => p != "inboxes") is { } unknown)
        {
            return HttpAnswer.BadRequest($"include takes only \"inboxes\" (not \"{(unknown.Length > 50 ? unknown[..50] + "…" : unknown)}\").");
        }

        var (conversation, problem) = await targets.ConversationAsync(channelId, externalConversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return problem!;
        }

        var (reply, failed) = await CallAsync(route, channelId, () => front.GetConversationStateAsync(channelId, conversation.ConversationId, cancellationToken)).ConfigureAwait(false);
        if (failed is not null)
        {
            return failed;
        }

        var body = reply!.Body!.Value;
        IReadOnlyList<object>? inboxes = null;
        if (parts.Length > 0)
        {
            var survivor = FrontJson.String(body, "id") ?? reply.RedirectedTo ?? conversation.ConversationId;
            var (listed, notListed) = await CallAsync(inboxesRoute, channelId, () => front.ListConversationInboxesAsync(channelId, survivor, cancellationToken)).ConfigureAwait(false);
            if (notListed is not null)
            {
                return notListed;
            }

            inboxes = listed!.Body!.Value.TryGetProperty("_results", out var results) && results.ValueKind == JsonValueKind.Array
                ? results.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object).Select(i => (object)new { id = FrontJson.String(i, "id"), name = FrontJson.String(i, "name") }).ToList()
                : [];
        }

        return HttpAnswer.Ok(Describe(channelId, externalConversationId, conversation, reply.RedirectedTo, body, inboxes));
    }

    /// <summary>
    /// One call to Front: its reply when it succeeded (with a JSON object, when <paramref name="needsObject"/>), else the
    /// partner's answer for what Front did, naming what was <paramref name="done"/> before it.
    /// </summary>
    private async Task<(FrontReply? Reply, HttpAnswer? Failed)> CallAsync(
        string route, string channelId, Func<Task<FrontReply>> call, bool needsObject = true, string? done = null)
    {
        FrontReply reply;
        try
        {
            reply = await call().ConfigureAwait(false);
        }
        catch (FrontApiException e)
        {
            return (null, PartnerAnswers.NoAnswer(e, route, channelId, logger, done));
        }

        if (!reply.IsSuccess)
        {
            return (null, PartnerAnswers.FromFront(reply, route, channelId, logger, done));
        }

        return !needsObject || reply.Body is { ValueKind: JsonValueKind.Object }
            ? (reply, null)
            : (null, HttpAnswer.Error(502, "front_unexpected", $"Front answered {route} without a JSON object."));
    }

    /// <summary>The answer of a conversation read: the lookup API's fields, then Front's state.</summary>
    internal static object Describe(string channelId, string asked, MappedConversation conversation, string? redirectedTo, JsonElement body, IReadOnlyList<object>? inboxes = null)
    {
        var id = FrontJson.String(body, "id") ?? redirectedTo ?? conversation.ConversationId;
        var frontIds = body.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("external_conversation_ids", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : [];
        var all = frontIds.Concat(conversation.ExternalConversationIds).Distinct(StringComparer.Ordinal).ToList();
        var recorded = conversation.RecordedConversationId ?? conversation.ConversationId;
        return new
        {
            channel_id = channelId,
            conversation_id = id,
            external_conversation_id = asked,
            external_conversation_ids = all,
            merged_into = string.Equals(recorded, id, StringComparison.Ordinal) ? null : id,
            merged_conversation_id = string.Equals(recorded, id, StringComparison.Ordinal) ? null : recorded,
            status = FrontJson.String(body, "status"),
            status_category = FrontJson.String(body, "status_category"),
            subject = FrontJson.String(body, "subject"),
            assignee = body.TryGetProperty("assignee", out var a) && a.ValueKind == JsonValueKind.Object
                ? new { id = FrontJson.String(a, "id"), email = FrontJson.String(a, "email"), first_name = FrontJson.String(a, "first_name"), last_name = FrontJson.String(a, "last_name") }
                : null,
            tags = body.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
                ? tags.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.Object).Select(t => new { id = FrontJson.String(t, "id"), name = FrontJson.String(t, "name") }).ToList()
                : [],
            inboxes,
            updated_at = body.TryGetProperty("updated_at", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetDouble() : (double?)null,
        };
    }

    public async Task<HttpAnswer> UpdateAsync(string channelId, string externalConversationId, byte[] requestBody, CancellationToken cancellationToken)
    {
        var (change, invalid) = ConversationChange.Parse(requestBody);
        if (change is null)
        {
            return HttpAnswer.BadRequest(invalid!);
        }

        var (conversation, problem) = await targets.ConversationAsync(channelId, externalConversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return problem!;
        }

        var id = conversation.ConversationId;
        var applied = new List<string>();
        var steps = new List<(string Name, string Route, Func<Task<FrontReply>> Call)>();
        if (change.FrontPatch() is { } patch)
        {
            steps.Add((string.Join(", ", patch.Select(p => p.Key)), "PATCH /conversations/{conversation_id}",
                () => front.UpdateConversationAsync(channelId, id, JsonSerializer.SerializeToUtf8Bytes(patch), cancellationToken)));
        }

        if (change.TagsToAdd.Count > 0)
        {
            steps.Add(("tags added", "POST /conversations/{conversation_id}/tags", () => front.ChangeTagsAsync(channelId, id, add: true, change.TagsToAdd, cancellationToken)));
        }

        if (change.TagsToRemove.Count > 0)
        {
            steps.Add(("tags removed", "DELETE /conversations/{conversation_id}/tags", () => front.ChangeTagsAsync(channelId, id, add: false, change.TagsToRemove, cancellationToken)));
        }

        foreach (var (name, route, call) in steps)
        {
            var (_, failed) = await CallAsync(route, channelId, call, needsObject: false, done: applied.Count == 0 ? null : string.Join("; ", applied)).ConfigureAwait(false);
            if (failed is not null)
            {
                return failed;
            }

            applied.Add(name);
        }

        PartnerApiLog.ConversationUpdated(logger, channelId, id, string.Join("; ", applied));
        return HttpAnswer.Ok(new
        {
            channel_id = channelId,
            conversation_id = id,
            external_conversation_id = externalConversationId,
            external_conversation_ids = conversation.ExternalConversationIds,
            status = change.Status is null ? null : Statuses[change.Status],
            applied,
        });
    }

    public async Task<HttpAnswer> CommentAsync(string channelId, string externalConversationId, byte[] requestBody, CancellationToken cancellationToken)
    {
        const string route = "POST /conversations/{conversation_id}/comments";
        var (comment, invalid) = ParseComment(requestBody);
        if (comment is null)
        {
            return HttpAnswer.BadRequest(invalid!);
        }

        var (conversation, problem) = await targets.ConversationAsync(channelId, externalConversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return problem!;
        }

        var (reply, failed) = await CallAsync(route, channelId,
            () => front.AddCommentAsync(channelId, conversation.ConversationId, JsonSerializer.SerializeToUtf8Bytes(comment), cancellationToken), needsObject: false).ConfigureAwait(false);
        if (failed is not null)
        {
            return failed;
        }

        return new HttpAnswer(201, new
        {
            channel_id = channelId,
            conversation_id = conversation.ConversationId,
            external_conversation_id = externalConversationId,
            comment_id = reply!.Body is { ValueKind: JsonValueKind.Object } b ? FrontJson.String(b, "id") : null,
        });
    }

    private static (JsonObject? Comment, string? Problem) ParseComment(byte[] body)
    {
        const string shape = "The body must be a JSON object: {\"body\":\"…\"} (optionally \"author_id\").";
        if (JsonText.TryParseObject(body, maxDepth: 8) is not { } root)
        {
            return (null, shape);
        }

        if (root.Select(p => p.Key).FirstOrDefault(k => k is not ("body" or "author_id")) is { } unknown)
        {
            return (null, $"Unknown property \"{(unknown.Length > 50 ? unknown[..50] + "…" : unknown)}\": give body and optionally author_id.");
        }

        if (root["body"] is not JsonValue text || text.GetValueKind() != JsonValueKind.String || text.GetValue<string>() is not { Length: > 0 and <= MaxCommentLength } value)
        {
            return (null, $"body is required: a string of 1 to {MaxCommentLength} characters.");
        }

        var comment = new JsonObject { ["body"] = value };
        if (root.ContainsKey("author_id"))
        {
            if (root["author_id"] is not JsonValue author || author.GetValueKind() != JsonValueKind.String || author.GetValue<string>() is not { Length: > 0 and <= FrontIds.MaxIdLength } authorId)
            {
                return (null, "author_id, when given, must be a teammate id (a string of 1 to 100 characters).");
            }

            comment["author_id"] = authorId;
        }

        return (comment, null);
    }
}

/// <summary>Reading Front's answers loosely: a field of the wrong type is absent.</summary>
internal static class FrontJson
{
    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
