using System.Runtime.CompilerServices;
using FrontFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using FrontFunctions.Webhooks;

namespace FrontFunctions.Functions;

/// <summary>
/// Front's webhooks. Anonymous: Front cannot send function keys; the signature is the authentication, so the body is
/// read as bytes (pooled, capped) and judged only after it (<see cref="FrontWebhookHandler"/>).
/// Every method is routed here so that a wrong one gets 405 rather than the host's 404.
/// </summary>
public sealed class FrontWebhookFunctions(FrontWebhookHandler handler, HttpEdge edge)
{
    public const string AppRoute = Webhooks.WebhookRoutes.App;
    public const string ChannelRoute = Webhooks.WebhookRoutes.Channel;

    [Function("FrontAppWebhook")]
    public Task<IActionResult> AppWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = AppRoute)] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var seen = new StrongBox<string?>();
        return edge.AnswerBytesAsync(request, RequestBody.MaxBodyBytes,
            (body, ct) => handler.HandleAppRequestAsync(ToWebhookRequest(request, null, body, seen), ct), cancellationToken, () => seen.Value);
    }

    [Function("FrontChannelWebhook")]
    public Task<IActionResult> ChannelWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ChannelRoute)] HttpRequest request,
        string channelId,
        CancellationToken cancellationToken)
    {
        var seen = new StrongBox<string?>();
        return edge.AnswerBytesAsync(request, RequestBody.MaxBodyBytes,
            (body, ct) => handler.HandleChannelRequestAsync(ToWebhookRequest(request, channelId, body, seen), ct), cancellationToken, () => seen.Value);
    }

    /// <summary>
    /// Each header's value, or all its values joined with ',' when it came more than once, as HTTP defines a repeated header
    /// (RFC 9110 §5.3): the verifier refuses a list rather than pick one.
    /// </summary>
    private static WebhookRequest ToWebhookRequest(HttpRequest request, string? channelId, ReadOnlyMemory<byte> body, StrongBox<string?> seen) => new(
        request.Method.ToUpperInvariant(),
        channelId,
        HttpEdge.Header(request, "X-Front-Request-Timestamp"),
        HttpEdge.Header(request, "X-Front-Signature"),
        body,
        HttpEdge.Header(request, "Content-Type"),
        HttpEdge.Header(request, "Content-Encoding"))
    {
        SeenType = seen,
    };
}
