using System.Runtime.CompilerServices;

namespace FrontFunctions.Webhooks;

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
    string? ContentEncoding = null)
{
    /// <summary>The envelope's type once read (null before): the type the HTTP edge counts the answer under.</summary>
    public StrongBox<string?> SeenType { get; init; } = new();
}

/// <summary>The webhook routes (under <c>/api</c>): declared here, used by the function attributes and by the answer to <c>authorization</c>.</summary>
public static class WebhookRoutes
{
    public const string App = "front/channels";
    public const string Channel = "front/channels/{channelId}";
}
