using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FrontFunctions.Outbound;

/// <summary>
/// Standard Webhooks signing (standardwebhooks.com, spec v1): <c>webhook-signature</c> = <c>v1,</c> + base64(HMAC-SHA256(
/// key = the secret's decoded bytes, data = "<c>{webhook-id}.{webhook-timestamp}.{body}</c>")), the timestamp in seconds
/// since the epoch. Checked against the specification's own vector (<c>FunctionApp.Tests/TestData/standard-webhooks</c>).
/// </summary>
public static class StandardWebhookSigner
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    public static string Sign(ReadOnlySpan<byte> key, string webhookId, long timestampSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(webhookId + "." + timestampSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, data));
    }
}
