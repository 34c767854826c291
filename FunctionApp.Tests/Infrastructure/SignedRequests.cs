using FrontFunctions.Front;
using FrontFunctions.TestSupport;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>
/// Webhook requests built byte for byte, signed as Front signs them (HMAC over "timestamp:raw body"), for tests that need
/// bodies that are not UTF-8 text or headers a plain <see cref="RunningLocalHost.SendSignedAsync"/> would not send.
/// </summary>
public static class SignedRequests
{
    public const string Json = "application/json";

    /// <summary>A request with <paramref name="body"/> (null: no body, signed as <c>undefined</c>) and the given headers.</summary>
    public static HttpRequestMessage Create(
        HttpMethod method,
        string path,
        byte[]? body,
        string? contentType = Json,
        string? contentEncoding = null,
        string secret = RunningLocalHost.AppSecret,
        DateTimeOffset? signedAt = null)
    {
        var timestamp = FrontWebhookSigner.Timestamp(signedAt);
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            if (contentEncoding is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Encoding", contentEncoding);
            }
        }

        request.Headers.Add(FrontWebhookSigner.TimestampHeader, timestamp);
        request.Headers.Add(FrontWebhookSigner.SignatureHeader, Signature(timestamp, body, secret));
        return request;
    }

    /// <summary>Front's signature of <paramref name="body"/> (null: the literal <c>undefined</c> Front signs for an empty body).</summary>
    public static string Signature(string timestamp, byte[]? body, string secret = RunningLocalHost.AppSecret) =>
        FrontWebhookSigner.Sign(secret, timestamp, body ?? FrontSignatureVerifier.UndefinedBody.ToArray());

    /// <summary>The UTF-8 bytes of the parts, with raw byte arrays spliced in where given.</summary>
    public static byte[] Bytes(params object[] parts)
    {
        var bytes = new List<byte>();
        foreach (var part in parts)
        {
            bytes.AddRange(part switch
            {
                string text => System.Text.Encoding.UTF8.GetBytes(text),
                byte[] raw => raw,
                _ => throw new ArgumentException($"Unsupported part {part.GetType().Name}", nameof(parts)),
            });
        }

        return [.. bytes];
    }
}
