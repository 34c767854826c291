using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Front;

/// <summary>Why a webhook's signature was accepted or not. Everything but <see cref="Valid"/> answers 401.</summary>
public enum SignatureCheck
{
    Valid,
    MissingHeaders,

    /// <summary>A header given more than once (several header lines, or a comma-joined list): never pick one of them.</summary>
    RepeatedHeader,
    MalformedTimestamp,
    MalformedSignature,
    StaleTimestamp,
    Mismatch,
}

/// <summary>
/// Verifies Front's webhook signature: <c>X-Front-Signature</c> = base64(HMAC-SHA256(App secret, "&lt;timestamp&gt;:&lt;raw body&gt;")),
/// <c>X-Front-Request-Timestamp</c> in milliseconds since the epoch (dev.frontapp.com "Security").
/// The raw request bytes are signed, never a re-serialised body. A request signed with the previous secret is accepted
/// while <c>Front:PreviousAppSecret</c> is set, so the secret can be rotated without dropping webhooks.
/// </summary>
public sealed class FrontSignatureVerifier
{
    private const int SignatureLength = 32; // HMAC-SHA256
    private readonly byte[][] _keys;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;

    public FrontSignatureVerifier(IOptions<FrontOptions> options, TimeProvider time)
    {
        var o = options.Value;
        _keys = new[] { o.AppSecret, o.PreviousAppSecret }
            .Where(s => !string.IsNullOrEmpty(s))
            .Select(s => Encoding.UTF8.GetBytes(s!))
            .ToArray();
        _tolerance = o.SignatureTolerance;
        _time = time;
    }

    /// <summary>Front signs the literal string <c>undefined</c> as the body of GET and DELETE requests.</summary>
    public static ReadOnlySpan<byte> UndefinedBody => "undefined"u8;

    /// <param name="timestampHeader">The header's value; all its values joined with ',' when it was given more than once.</param>
    /// <param name="signatureHeader">Likewise: neither a timestamp nor a base64 signature ever contains ','.</param>
    public SignatureCheck Verify(string? timestampHeader, string? signatureHeader, ReadOnlySpan<byte> body)
    {
        if (timestampHeader?.Contains(',', StringComparison.Ordinal) == true || signatureHeader?.Contains(',', StringComparison.Ordinal) == true)
        {
            return SignatureCheck.RepeatedHeader;
        }

        if (string.IsNullOrWhiteSpace(timestampHeader) || string.IsNullOrWhiteSpace(signatureHeader))
        {
            return SignatureCheck.MissingHeaders;
        }

        var timestamp = timestampHeader.Trim();
        if (timestamp.Length > 16 || !long.TryParse(timestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms))
        {
            return SignatureCheck.MalformedTimestamp;
        }

        Span<byte> given = stackalloc byte[64];
        if (!Convert.TryFromBase64String(signatureHeader.Trim(), given, out var givenLength) || givenLength != SignatureLength)
        {
            return SignatureCheck.MalformedSignature;
        }

        var age = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(ms, 253402300799999));
        if (age.Duration() > _tolerance)
        {
            return SignatureCheck.StaleTimestamp;
        }

        // Data = "<timestamp>:<body>", the timestamp exactly as sent.
        var prefixLength = Encoding.ASCII.GetByteCount(timestamp) + 1;
        var data = new byte[prefixLength + body.Length];
        Encoding.ASCII.GetBytes(timestamp, data);
        data[prefixLength - 1] = (byte)':';
        body.CopyTo(data.AsSpan(prefixLength));

        Span<byte> expected = stackalloc byte[SignatureLength];
        var match = false;
        foreach (var key in _keys)
        {
            HMACSHA256.HashData(key, data, expected);
            // Constant time per key; every key is tried so timing does not tell which secret matched.
            match |= CryptographicOperations.FixedTimeEquals(expected, given[..givenLength]);
        }

        return match ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }
}
