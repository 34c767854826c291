using System.Security.Cryptography;
using System.Text;

namespace FrontSimulator.Notifications;

/// <summary>
/// Front's webhook signature: <c>X-Front-Signature</c> = base64(HMAC-SHA256(key = App secret as UTF-8,
/// data = "&lt;timestamp&gt;:&lt;raw body&gt;")), <c>X-Front-Request-Timestamp</c> = milliseconds since the epoch.
/// </summary>
public static class WebhookSigner
{
    public const string SignatureHeader = "X-Front-Signature";
    public const string TimestampHeader = "X-Front-Request-Timestamp";

    public static string Sign(string appSecret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp + ":");
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), data));
    }
}
