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
