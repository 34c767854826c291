namespace FrontFunctions.Ingest;

/// <summary>A webhook request as it arrived, before anything about it is trusted.</summary>
public sealed record WebhookRequest(
    string Method,
    string? ChannelId,
    string? Timestamp,
    string? Signature,
    ReadOnlyMemory<byte> Body);

/// <summary>What to answer Front: a status code and a JSON body.</summary>
public sealed record WebhookResponse(int StatusCode, object Body)
{
    public static WebhookResponse Success { get; } = new(200, new { type = "success" });

    public static WebhookResponse Error(int statusCode, string type, string message) => new(statusCode, new { type, message });

    public static WebhookResponse BadRequest(string message) => Error(400, "bad_request", message);
}
