using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace FrontFunctions.Http;

/// <summary>
/// What an HTTP function answers, for every HTTP function (webhooks and lookup API): a status code and a JSON body.
/// The application classes decide it; the function returns <see cref="ToResult"/>. Errors are
/// <c>{"type": …, "message": …}</c> with a message that names the problem and never echoes the request.
/// </summary>
public sealed record HttpAnswer(int StatusCode, object Body)
{
    public static HttpAnswer Success { get; } = Ok(new { type = "success" });

    /// <summary>How every JSON answer is encoded (<see cref="PlainJsonEncoder"/>).</summary>
    public static System.Text.Encodings.Web.JavaScriptEncoder JsonEncoder => PlainJsonEncoder.Instance;

    public static HttpAnswer Ok(object body) => new(StatusCodes.Status200OK, body);

    public static HttpAnswer Error(int statusCode, string type, string message) => new(statusCode, new { type, message });

    public static HttpAnswer BadRequest(string message) => Error(StatusCodes.Status400BadRequest, "bad_request", message);

    public static HttpAnswer Unauthorized(string message) => Error(StatusCodes.Status401Unauthorized, "unauthorized", message);

    public static HttpAnswer NotFound(string message) => Error(StatusCodes.Status404NotFound, "not_found", message);

    public static HttpAnswer MethodNotAllowed(string message) => Error(StatusCodes.Status405MethodNotAllowed, "method_not_allowed", message);

    public static HttpAnswer PayloadTooLarge(string message) => Error(StatusCodes.Status413PayloadTooLarge, "payload_too_large", message);

    public static HttpAnswer UnsupportedMediaType(string message) => Error(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", message);

    public static HttpAnswer NotImplemented(string message) => Error(StatusCodes.Status501NotImplemented, "not_implemented", message);

    /// <summary>503: storage failed (see <see cref="FailurePolicy.IsStorageUnavailable"/>); the caller should retry.</summary>
    public static HttpAnswer StorageUnavailable(string message) => Error(StatusCodes.Status503ServiceUnavailable, "unavailable", message);

    public ObjectResult ToResult() => new(Body) { StatusCode = StatusCode };
}
