using FrontFunctions.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Http;

/// <summary>
/// The one HTTP edge every HTTP function goes through, so each does the same at the edge and nothing of it itself:
/// <list type="bullet">
/// <item>its body is read by <see cref="RequestBody"/> (pooled, capped: 413), declared as JSON by <see cref="JsonContent"/>
/// (415) and checked as JSON text by <see cref="JsonText"/> (400) — except a webhook's, whose content is judged only after
/// its signature (<see cref="AnswerBytesAsync"/>);</item>
/// <item>storage unavailability, thrown from anywhere below (<see cref="FailurePolicy.IsStorageUnavailable"/>), is answered
/// 503 with Retry-After here and logged once, so no room writes that catch;</item>
/// <item>a body the server stopped reading (Kestrel's minimum data rate: 408; its size limit: 413) is answered with that
/// status rather than a 500;</item>
/// <item>answers are counted here (<c>front.webhooks</c> for the webhooks), the 413 and the 503 included.</item>
/// </list>
/// It is a wrapper rather than an <c>IFunctionsWorkerMiddleware</c> because the local host (LocalHost/) calls the functions'
/// methods itself: a worker middleware would run on Azure only, and the tests would not see it.
/// </summary>
public sealed class HttpEdge(FrontMetrics metrics, ILogger<HttpEdge> logger)
{
    /// <summary>A function without a body.</summary>
    public Task<IActionResult> AnswerAsync(HttpRequest request, Func<CancellationToken, Task<HttpAnswer>> handle, CancellationToken cancellationToken) =>
        RunAsync(request, null, cancellationToken, () => handle(cancellationToken));

    /// <summary>
    /// A function that takes JSON: Content-Type and Content-Encoding checked (415) before the body is read, the body read up
    /// to <paramref name="limit"/> bytes (413), then checked as JSON text (400, shaped by <paramref name="refuse"/> when
    /// the function answers bad bodies its own way), then handed to <paramref name="handle"/>.
    /// </summary>
    public Task<IActionResult> AnswerJsonAsync(
        HttpRequest request, int limit, Func<ReadOnlyMemory<byte>, CancellationToken, Task<HttpAnswer>> handle, CancellationToken cancellationToken,
        Func<string, HttpAnswer>? refuse = null) =>
        RunAsync(request, null, cancellationToken, async () =>
        {
            if (JsonContent.UnsupportedProblem(Header(request, "Content-Type"), Header(request, "Content-Encoding")) is { } unsupported)
            {
                return HttpAnswer.UnsupportedMediaType(unsupported);
            }

            return await WithBodyAsync(request, limit, cancellationToken, body =>
                JsonText.Problem(body) is { } problem
                    ? Task.FromResult(refuse?.Invoke(problem) ?? HttpAnswer.BadRequest(JsonText.Sentence(problem)))
                    : handle(body, cancellationToken)).ConfigureAwait(false);
        });

    /// <summary>
    /// A function that judges its body itself (a webhook: signature first, then <see cref="JsonContent"/> and the envelope):
    /// the body read up to <paramref name="limit"/> bytes (413) and handed over as bytes. <paramref name="webhookType"/>,
    /// read once the answer is made, names the request type the answer is counted under (<c>front.webhooks</c>).
    /// </summary>
    public Task<IActionResult> AnswerBytesAsync(
        HttpRequest request, int limit, Func<ReadOnlyMemory<byte>, CancellationToken, Task<HttpAnswer>> handle, CancellationToken cancellationToken,
        Func<string?>? webhookType = null) =>
        RunAsync(request, webhookType, cancellationToken, () => WithBodyAsync(request, limit, cancellationToken, body => handle(body, cancellationToken)));

    /// <summary>A request header's value, all its values joined with ',' when it came more than once (RFC 9110 §5.3); null when absent.</summary>
    public static string? Header(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values.ToString() : null;

    private static async Task<HttpAnswer> WithBodyAsync(
        HttpRequest request, int limit, CancellationToken cancellationToken, Func<ReadOnlyMemory<byte>, Task<HttpAnswer>> handle)
    {
        using var body = await RequestBody.ReadAsync(request.Body, request.ContentLength, limit, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return HttpAnswer.PayloadTooLarge($"The body is larger than {limit} bytes.");
        }

        return await handle(body.Memory).ConfigureAwait(false);
    }

    private async Task<IActionResult> RunAsync(HttpRequest request, Func<string?>? webhookType, CancellationToken cancellationToken, Func<Task<HttpAnswer>> handle)
    {
        HttpAnswer answer;
        try
        {
            answer = await handle().ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel stopped reading the body (too slow: 408, past its size limit: 413) and has answered or closed already.
            HttpLog.BodyUnreadable(logger, request.Method, request.Path.Value ?? "", e.StatusCode, e.Message);
            answer = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? HttpAnswer.PayloadTooLarge("The body is larger than the server accepts.")
                : HttpAnswer.Error(e.StatusCode, e.StatusCode == StatusCodes.Status408RequestTimeout ? "request_timeout" : "bad_request",
                    "The body could not be read: it arrived too slowly or was cut short.");
        }
        catch (Exception e) when (FailurePolicy.IsStorageUnavailable(e, cancellationToken))
        {
            HttpLog.StorageUnavailable(logger, e, request.Method, request.Path.Value ?? "", e.GetType().Name);
            answer = HttpAnswer.StorageUnavailable("Storage is unavailable; retry later.");
        }

        if (webhookType is not null)
        {
            metrics.WebhookAnswered(webhookType(), answer.StatusCode);
        }

        return answer;
    }
}
