using System.Globalization;
using System.Text.Encodings.Web;

namespace FrontFunctions.Http;

/// <summary>
/// The JSON encoder of every answer: escapes only what JSON requires (RFC 8259 §7: the quotation mark, the reverse
/// solidus and control characters below U+0020), so ids such as <c>sms:+15550100</c> or emoji are written as UTF-8
/// (<see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> still escapes every character outside the BMP). Safe because
/// no answer is embedded in HTML: they are <c>application/json</c>, and the console renders them as text.
/// </summary>
public sealed class PlainJsonEncoder : JavaScriptEncoder
{
    public static PlainJsonEncoder Instance { get; } = new();

    private PlainJsonEncoder()
    {
    }

    public override int MaxOutputCharactersPerInputCharacter => 6; // \uXXXX

    public override bool WillEncode(int unicodeScalar) => unicodeScalar is < 0x20 or '"' or '\\';

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (var i = 0; i < textLength; i++)
        {
            if (text[i] is < (char)0x20 or '"' or '\\')
            {
                return i;
            }
        }

        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var escaped = unicodeScalar switch
        {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            < 0x20 => "\\u" + unicodeScalar.ToString("X4", CultureInfo.InvariantCulture),
            _ => null,
        };
        if (escaped is null)
        {
            return TryWriteScalarAsChar(unicodeScalar, buffer, bufferLength, out numberOfCharactersWritten);
        }

        if (escaped.Length > bufferLength)
        {
            numberOfCharactersWritten = 0;
            return false;
        }

        escaped.AsSpan().CopyTo(new Span<char>(buffer, bufferLength));
        numberOfCharactersWritten = escaped.Length;
        return true;
    }

    private static unsafe bool TryWriteScalarAsChar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        return new System.Text.Rune(unicodeScalar).TryEncodeToUtf16(new Span<char>(buffer, bufferLength), out numberOfCharactersWritten);
    }
}
