using System.Text.Json.Serialization;
using FrontSimulator.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FrontSimulator.Control;

/// <summary>
/// The switch that makes Front refuse a channel token (403) on chosen routes: Front has not documented which of the
/// <c>/conversations/{id}*</c> and <c>/messages/{id}*</c> routes a channel token may use beyond reading, so the app is tested
/// both ways. Routes are named as the request counters name them (<c>PATCH /conversations/{conversation_id}</c>); <c>*</c>
/// refuses every route. A company token is never refused.
/// </summary>
internal sealed class ChannelTokenRefusals
{
    private readonly Lock _gate = new();
    private HashSet<string> _routes = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Routes
    {
        get
        {
            lock (_gate)
            {
                return [.. _routes.Order(StringComparer.Ordinal)];
            }
        }
    }

    public bool Refuses(string route)
    {
        lock (_gate)
        {
            return _routes.Contains("*") || _routes.Contains(route);
        }
    }

    public void Set(IEnumerable<string> routes)
    {
        lock (_gate)
        {
            _routes = new HashSet<string>(routes, StringComparer.Ordinal);
        }
    }

    public void Reset() => Set([]);
}

/// <summary><c>PUT /_sim/channel-token-refusals</c> body: the routes to refuse (empty: none).</summary>
public sealed record ChannelTokenRefusalSettings
{
    public IReadOnlyList<string> Routes { get; init; } = [];
}

/// <summary>A conversation's state as <c>GET /_sim/conversations/{id}/state</c> shows it (the survivor's, for a merged id).</summary>
public sealed record ConversationStateSnapshot(
    string ConversationId,
    string Status,
    string? AssigneeId,
    IReadOnlyList<string> TagIds,
    IReadOnlyList<CommentSnapshot> Comments,
    [property: JsonPropertyName("seen_marks")] IReadOnlyDictionary<string, int> SeenMarks);

public sealed record CommentSnapshot(string Id, string Body, string AuthorId);

internal static class PartnerApiControlEndpoints
{
    public static void MapPartnerApiControl(this IEndpointRouteBuilder app)
    {
        app.MapPut("/_sim/channel-token-refusals", async (HttpContext c, ChannelTokenRefusals refusals) =>
        {
            ChannelTokenRefusalSettings? body;
            try
            {
                body = await c.Request.ReadFromJsonAsync<ChannelTokenRefusalSettings>(ControlJson.Options, c.RequestAborted);
            }
            catch (System.Text.Json.JsonException)
            {
                body = null;
            }

            if (body?.Routes is null || body.Routes.Any(string.IsNullOrWhiteSpace))
            {
                return Results.BadRequest(new { error = "routes: a list of routes such as \"PATCH /conversations/{conversation_id}\", or \"*\"" });
            }

            refusals.Set(body.Routes);
            return Results.NoContent();
        });

        app.MapGet("/_sim/channel-token-refusals", (ChannelTokenRefusals refusals) =>
            Results.Json(new ChannelTokenRefusalSettings { Routes = refusals.Routes }, ControlJson.Options));

        app.MapGet("/_sim/conversations/{conversation_id}/state", (string conversation_id, SimulatorStore store, ConversationStates states) =>
        {
            if (store.SurvivorOf(conversation_id) is not { } conversation)
            {
                return Results.NotFound(new { error = "no such conversation" });
            }

            var state = states.Get(conversation.Id);
            var seen = Api.ConversationEndpoints.Messages(store, states, conversation).Select(m => m.Id)
                .Distinct(StringComparer.Ordinal)
                .ToDictionary(id => id, id => states.SeenMarks(id).Count, StringComparer.Ordinal);
            return Results.Json(
                new ConversationStateSnapshot(
                    conversation.Id, state.Status, state.AssigneeId, state.TagIds, [.. state.Comments.Select(k => new CommentSnapshot(k.Id, k.Body, k.AuthorId))], seen),
                ControlJson.Options);
        });
    }
}
