using System.Globalization;
using FrontFunctions.Front;
using FrontFunctions.Http;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.PartnerApi;

/// <summary>
/// Turns what Front answered into the partner's answer, one rule for every route: Front's 429 (still, after the client's
/// retries) and 5xx or no answer become 503 with <c>Retry-After</c>; a 403 becomes a 403 naming the Front route (Front has not
/// documented which routes a channel token may use); 401 (Front refused the app's own credentials) a 502; any other 4xx is
/// passed on with Front's own message. Never 500.
/// </summary>
internal static class PartnerAnswers
{
    /// <summary>The <c>Retry-After</c> given when Front named none.</summary>
    public const int DefaultRetryAfterSeconds = 5;

    public static HttpAnswer FromFront(FrontReply reply, string route, string channelId, ILogger logger, string? applied = null)
    {
        var prefix = applied is null ? "" : $"Already applied: {applied}. ";
        var front = reply.ErrorMessage is { Length: > 0 } m ? $": {m}" : ".";
        if (reply.Status == 429 || reply.Status >= 500)
        {
            PartnerApiLog.FrontUnavailable(logger, route, channelId, reply.Status.ToString(CultureInfo.InvariantCulture));
            var seconds = reply.RetryAfter is { } r ? Math.Max(1, (int)Math.Ceiling(r.TotalSeconds)) : DefaultRetryAfterSeconds;
            return RetryLater(
                reply.Status == 429 ? "front_rate_limited" : "front_unavailable",
                $"{prefix}Front answered {reply.Status} to {route} after the app's retries{front} Retry later.", seconds);
        }

        PartnerApiLog.FrontRefused(logger, route, channelId, reply.Status);
        return reply.Status switch
        {
            401 => HttpAnswer.Error(502, "front_refused", $"{prefix}Front refused the app's channel token for {route} (401){front}"),
            403 => HttpAnswer.Error(403, "front_forbidden",
                $"{prefix}Front does not allow a channel token to use {route} (403){front} Front has not documented which routes a channel token may use."),
            404 => HttpAnswer.Error(404, "front_not_found", $"{prefix}Front does not know the resource of {route} (404){front}"),
            >= 400 and < 500 => HttpAnswer.Error(reply.Status, "front_refused", $"{prefix}Front refused {route} ({reply.Status}){front}"),
            _ => HttpAnswer.Error(502, "front_unexpected", $"{prefix}Front answered {reply.Status} to {route}, which the app does not expect."),
        };
    }

    /// <summary>A call that got no answer from Front at all (after the client's retries).</summary>
    public static HttpAnswer NoAnswer(FrontApiException e, string route, string channelId, ILogger logger, string? applied = null)
    {
        PartnerApiLog.FrontUnavailable(logger, route, channelId, e.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "no answer");
        var acted = e.ProvedNotActed ? "Front did not act on it" : "Front may or may not have acted on it";
        return RetryLater("front_unavailable", $"{(applied is null ? "" : $"Already applied: {applied}. ")}Front did not answer {route} ({acted}). Retry later.", DefaultRetryAfterSeconds);
    }

    public static HttpAnswer RetryLater(string type, string message, int seconds) =>
        new HttpAnswer(503, new PartnerRetryLater(type, message, seconds)).WithRetryAfter(seconds);
}

/// <summary>A 503 answer's body; <c>retry_after_seconds</c> is also sent as <c>Retry-After</c>.</summary>
public sealed record PartnerRetryLater(
    [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type,
    [property: System.Text.Json.Serialization.JsonPropertyName("message")] string Message,
    [property: System.Text.Json.Serialization.JsonPropertyName("retry_after_seconds")] int RetryAfterSeconds)
{
    public string RetryAfterHeader => RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
}
