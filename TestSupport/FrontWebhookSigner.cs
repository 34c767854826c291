using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FrontFunctions.TestSupport;

/// <summary>
/// Signs a webhook as Front does: <c>X-Front-Signature</c> = base64(HMAC-SHA256(App secret, "&lt;timestamp&gt;:&lt;raw body&gt;")),
/// <c>X-Front-Request-Timestamp</c> in milliseconds. Kept apart from the app's verifier, so the tests check the verifier
/// against a computation of their own (pinned to openssl by <c>FrontSignatureVerifierTests</c>). The Front simulator has
/// its own signer (<c>FrontSimulator/Notifications/WebhookSigner.cs</c>) on purpose: it plays Front.
/// </summary>
public static class FrontWebhookSigner
{
    public const string SignatureHeader = "X-Front-Signature";
    public const string TimestampHeader = "X-Front-Request-Timestamp";

    /// <summary>The timestamp header's value for <paramref name="at"/> (default: now), milliseconds since the epoch.</summary>
    public static string Timestamp(DateTimeOffset? at = null) =>
        (at ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>The signature header's value for <paramref name="body"/> signed with <paramref name="secret"/> at <paramref name="timestamp"/>.</summary>
    public static string Sign(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp + ":");
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data));
    }
}
