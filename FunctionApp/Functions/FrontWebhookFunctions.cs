using FrontFunctions.Http;
using FrontFunctions.Ingest;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using FrontFunctions.Webhooks;

namespace FrontFunctions.Functions;

/// <summary>
/// Front's webhooks. Anonymous: Front cannot send function keys; the signature is the authentication.
/// Every method is routed here so that a wrong one gets 405 rather than the host's 404.
/// </summary>
public sealed class FrontWebhookFunctions(FrontWebhookHandler handler, Telemetry.FrontMetrics metrics)
{
    public const string AppRoute = Webhooks.WebhookRoutes.App;
    public const string ChannelRoute = Webhooks.WebhookRoutes.Channel;

    [Function("FrontAppWebhook")]
    public async Task<IActionResult> AppWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = AppRoute)] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var body = await ReadAsync(request, cancellationToken);
        if (body is null)
        {
            return TooLarge();
        }

        return (await handler.HandleAppRequestAsync(ToWebhookRequest(request, null, body), cancellationToken)).ToResult();
    }

    [Function("FrontChannelWebhook")]
    public async Task<IActionResult> ChannelWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = ChannelRoute)] HttpRequest request,
        string channelId,
        CancellationToken cancellationToken)
    {
        var body = await ReadAsync(request, cancellationToken);
        if (body is null)
        {
            return TooLarge();
        }

        return (await handler.HandleChannelRequestAsync(ToWebhookRequest(request, channelId, body), cancellationToken)).ToResult();
    }

    private static Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken cancellationToken) =>
        RequestBodyReader.ReadAsync(request.Body, request.ContentLength, RequestBodyReader.MaxBodyBytes, cancellationToken);

    private static WebhookRequest ToWebhookRequest(HttpRequest request, string? channelId, byte[] body) => new(
        request.Method.ToUpperInvariant(),
        channelId,
        AllValues(request, "X-Front-Request-Timestamp"),
        AllValues(request, "X-Front-Signature"),
        body,
        AllValues(request, "Content-Type"),
        AllValues(request, "Content-Encoding"));

    /// <summary>
    /// The header's value, or all its values joined with ',' when it came more than once, as HTTP defines a repeated header
    /// (RFC 9110 §5.3): the verifier refuses a list rather than pick one. Null when absent.
    /// </summary>
    private static string? AllValues(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values.ToString() : null;

    private ObjectResult TooLarge()
    {
        metrics.WebhookAnswered(null, StatusCodes.Status413PayloadTooLarge);
        return HttpAnswer.PayloadTooLarge($"The body is larger than {RequestBodyReader.MaxBodyBytes} bytes.").ToResult();
    }
}
