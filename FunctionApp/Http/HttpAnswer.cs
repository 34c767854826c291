using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace FrontFunctions.Http;

/// <summary>
/// What every HTTP function answers (webhooks, the import, lookup and status APIs, the operator console): a status code,
/// a body and the headers that go with it. The application classes decide it; <see cref="HttpEdge"/> returns it to the
/// host, which executes it. A body is JSON (any object, written by the host's JSON formatter with
/// <see cref="PlainJsonEncoder"/>) or, with <see cref="ContentType"/>, bytes as given (the console's page and files, its
/// pre-serialized views). Errors are <c>{"type": …, "message": …}</c> with a message that names the problem and never
/// echoes the request.
/// </summary>
public sealed record HttpAnswer(int StatusCode, object Body) : IActionResult
{
    /// <summary>How long a caller told "storage is unavailable" (503) should wait before retrying, in seconds.</summary>
    public const int StorageRetryAfterSeconds = 10;

    public static HttpAnswer Success { get; } = Ok(new { type = "success" });

    /// <summary>How every JSON answer is encoded (<see cref="PlainJsonEncoder"/>).</summary>
    public static System.Text.Encodings.Web.JavaScriptEncoder JsonEncoder => PlainJsonEncoder.Instance;

    /// <summary>Set for a body of bytes written as given; null for a JSON body.</summary>
    public string? ContentType { get; init; }

    /// <summary>Headers written with the answer (Retry-After, the console's security headers).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public static HttpAnswer Ok(object body) => new(StatusCodes.Status200OK, body);

    /// <summary>Bytes written as given, with their content type.</summary>
    public static HttpAnswer Bytes(int statusCode, string contentType, byte[] body) => new(statusCode, body) { ContentType = contentType };

    public static HttpAnswer Error(int statusCode, string type, string message) => new(statusCode, new { type, message });

    public static HttpAnswer BadRequest(string message) => Error(StatusCodes.Status400BadRequest, "bad_request", message);

    public static HttpAnswer Unauthorized(string message) => Error(StatusCodes.Status401Unauthorized, "unauthorized", message);

    public static HttpAnswer NotFound(string message) => Error(StatusCodes.Status404NotFound, "not_found", message);

    public static HttpAnswer MethodNotAllowed(string message) => Error(StatusCodes.Status405MethodNotAllowed, "method_not_allowed", message);

    public static HttpAnswer PayloadTooLarge(string message) => Error(StatusCodes.Status413PayloadTooLarge, "payload_too_large", message);

    public static HttpAnswer UnsupportedMediaType(string message) => Error(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", message);

    public static HttpAnswer NotImplemented(string message) => Error(StatusCodes.Status501NotImplemented, "not_implemented", message);

    /// <summary>
    /// 503: storage failed (see <see cref="FailurePolicy.IsStorageUnavailable"/>); the caller should retry, after
    /// <see cref="StorageRetryAfterSeconds"/> (Retry-After). <see cref="HttpEdge"/> answers it for every HTTP function.
    /// </summary>
    public static HttpAnswer StorageUnavailable(string message) =>
        Error(StatusCodes.Status503ServiceUnavailable, "unavailable", message).WithRetryAfter(StorageRetryAfterSeconds);

    public HttpAnswer WithHeader(string name, string value) => this with { Headers = [.. Headers, new(name, value)] };

    public HttpAnswer WithRetryAfter(int seconds) => WithHeader("Retry-After", seconds.ToString(CultureInfo.InvariantCulture));

    /// <summary>The answer as the host's result (it is one: kept for callers that name the conversion).</summary>
    public IActionResult ToResult() => this;

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        foreach (var (name, value) in Headers)
        {
            response.Headers[name] = value;
        }

        if (ContentType is not null && Body is byte[] bytes)
        {
            response.StatusCode = StatusCode;
            response.ContentType = ContentType;
            response.ContentLength = bytes.Length;
            await response.Body.WriteAsync(bytes, context.HttpContext.RequestAborted).ConfigureAwait(false);
            return;
        }

        await new ObjectResult(Body) { StatusCode = StatusCode }.ExecuteResultAsync(context).ConfigureAwait(false);
    }
}
