using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace FrontFunctions.IdMap;

/// <summary>
/// Turns arbitrary ids (external ids: any string up to 200 characters) into Table Storage key fragments.
/// Keys may not contain <c>/ \ # ?</c> or control characters U+0000–U+001F, U+007F–U+009F, and are at most 1 KiB
/// (Microsoft Learn, "Understanding the Table service data model"); <c>%</c> and <c>'</c> are escaped too because they
/// break some clients' URLs and OData filters.
/// <list type="number">
/// <item><b>Escaped</b> (the usual form, readable): every ASCII character other than letters, digits, <c>-</c>, <c>_</c>,
/// <c>.</c>, and every C1 control becomes <c>~XX</c> (two upper-case hex digits); a lone surrogate becomes <c>~uXXXX</c>;
/// any other character stays. <c>~</c> itself is escaped, so the form is unambiguous.</item>
/// <item><b><c>~b</c> + base64url(UTF-8)</b> when the escaped form is longer than <see cref="MaxEncodedLength"/> (ids made
/// mostly of escaped characters).</item>
/// <item><b><c>~h</c> + base64url(SHA-256)</b> when neither fits (only strings packed with C1 controls or lone surrogates):
/// not reversible, but still one key per id; the id map stores the original in the row.</item>
/// </list>
/// The three forms cannot be confused: an escape is <c>~</c> + upper-case hex or <c>u</c>, never <c>~b</c> or <c>~h</c>.
/// </summary>
public static class TableKeyEncoding
{
    /// <summary>Longest fragment produced, in UTF-16 units: with a short kind prefix the key stays under 1 KiB.</summary>
    public const int MaxEncodedLength = 500;

    private const char Escape = '~';

    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var escaped = EscapeAll(value);
        if (escaped.Length <= MaxEncodedLength)
        {
            return escaped;
        }

        if (!HasLoneSurrogate(value))
        {
            var utf8 = Encoding.UTF8.GetBytes(value);
            var b64 = "~b" + Base64Url.EncodeToString(utf8);
            if (b64.Length <= MaxEncodedLength)
            {
                return b64;
            }
        }

        return Hash(value);
    }

    /// <summary>The digest form (<c>~h</c> + base64url(SHA-256 of the UTF-16 string), 45 characters): one key per string, not reversible.</summary>
    public static string Hash(string value) => "~h" + Base64Url.EncodeToString(SHA256.HashData(MemoryMarshalBytes(value)));

    /// <summary>The original string, or false for the (one-way) digest form and for anything not produced by <see cref="Encode"/>.</summary>
    public static bool TryDecode(string encoded, out string value)
    {
        value = "";
        if (encoded.StartsWith("~h", StringComparison.Ordinal))
        {
            return false;
        }

        if (encoded.StartsWith("~b", StringComparison.Ordinal))
        {
            try
            {
                value = new UTF8Encoding(false, true).GetString(Base64Url.DecodeFromChars(encoded.AsSpan(2)));
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        var builder = new StringBuilder(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c != Escape)
            {
                builder.Append(c);
                continue;
            }

            if (i + 5 < encoded.Length && encoded[i + 1] == 'u'
                && ushort.TryParse(encoded.AsSpan(i + 2, 4), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var unit))
            {
                builder.Append((char)unit);
                i += 5;
            }
            else if (i + 2 < encoded.Length && IsUpperHex(encoded[i + 1]) && IsUpperHex(encoded[i + 2]))
            {
                builder.Append((char)Convert.ToByte(encoded.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                return false;
            }
        }

        value = builder.ToString();
        return true;
    }

    /// <summary>True when <paramref name="key"/> contains a character Table Storage refuses in keys.</summary>
    public static bool HasForbiddenKeyChar(string key) =>
        key.Any(c => c is '/' or '\\' or '#' or '?' || c <= '\u001F' || c is >= '\u007F' and <= '\u009F');

    private static string EscapeAll(string value)
    {
        var builder = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[i + 1]);
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                builder.Append(Escape).Append('u').Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else if (c <= '\u009F' && !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                builder.Append(Escape).Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static bool IsUpperHex(char c) => c is >= '0' and <= '9' or >= 'A' and <= 'F';

    private static bool HasLoneSurrogate(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return true;
            }
        }

        return false;
    }

    // The exact UTF-16 units (an encoder would replace lone surrogates and make distinct ids collide).
    private static byte[] MemoryMarshalBytes(string value) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(value.AsSpan()).ToArray();
}
