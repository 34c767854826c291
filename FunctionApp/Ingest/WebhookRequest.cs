namespace FrontFunctions.Ingest;

/// <summary>A webhook request as it arrived, before anything about it is trusted.</summary>
/// <param name="Timestamp">X-Front-Request-Timestamp; all its values joined with ',' when it came more than once.</param>
/// <param name="Signature">X-Front-Signature, likewise.</param>
public sealed record WebhookRequest(
    string Method,
    string? ChannelId,
    string? Timestamp,
    string? Signature,
    ReadOnlyMemory<byte> Body,
    string? ContentType = null,
    string? ContentEncoding = null);

/// <summary>What to answer Front: a status code and a JSON body.</summary>
public sealed record WebhookResponse(int StatusCode, object Body)
{
    public static WebhookResponse Success { get; } = new(200, new { type = "success" });

    public static WebhookResponse Error(int statusCode, string type, string message) => new(statusCode, new { type, message });

    public static WebhookResponse BadRequest(string message) => Error(400, "bad_request", message);
}
