using FrontFunctions.Http;
using FrontFunctions.Lookup;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace FrontFunctions.Functions;

/// <summary>The id map for the partner system. Function-key protected (the host checks <c>x-functions-key</c> or <c>code</c>).</summary>
public sealed class MapLookupFunctions(MapLookup lookup, HttpEdge edge)
{
    public const string MessagesRoute = "map/{channelId}/messages";
    public const string ConversationsRoute = "map/{channelId}/conversations";

    [Function("LookupMessage")]
    public Task<IActionResult> LookupMessage(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = MessagesRoute)] HttpRequest request,
        string channelId,
        CancellationToken cancellationToken) =>
        edge.AnswerAsync(request, async ct =>
            RepeatedParameter(request) ?? await lookup.FindMessageAsync(channelId, Query(request, "external_id"), Query(request, "front_id"), ct), cancellationToken);

    [Function("LookupConversation")]
    public Task<IActionResult> LookupConversation(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConversationsRoute)] HttpRequest request,
        string channelId,
        CancellationToken cancellationToken) =>
        edge.AnswerAsync(request, async ct =>
            RepeatedParameter(request) ?? await lookup.FindConversationAsync(channelId, Query(request, "external_id"), Query(request, "front_id"), ct), cancellationToken);

    /// <summary>A query parameter's value; null when absent.</summary>
    private static string? Query(HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var values) ? values.ToString() : null;

    /// <summary>400 when an id parameter is given more than once (ASP.NET Core would join the values with a comma).</summary>
    private static HttpAnswer? RepeatedParameter(HttpRequest request) =>
        request.Query["external_id"].Count > 1 || request.Query["front_id"].Count > 1
            ? HttpAnswer.BadRequest("Give external_id or front_id once.")
            : null;
}
