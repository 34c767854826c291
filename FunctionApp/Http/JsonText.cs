using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace FrontFunctions.Http;

/// <summary>
/// The one check that a request body is JSON text every reader agrees on, for every HTTP function that takes JSON
/// (webhooks, the import API, the partner status API, the console's posts): UTF-8 without a byte order mark (RFC 8259
/// §8.1), valid JSON no deeper than a limit, strings that decode to Unicode text (no escaped lone surrogate), and no key
/// repeated within one object (parsers disagree on which copy wins). Problems are phrases (<c>the body …</c>) that name the
/// place, never echo the body; each caller words its answer around them.
/// </summary>
public static class JsonText
{
    public const int DefaultMaxDepth = 64;

    /// <summary>What keeps <paramref name="body"/> from being such JSON text, or null when it is.</summary>
    public static string? Problem(ReadOnlyMemory<byte> body, int maxDepth = DefaultMaxDepth)
    {
        var span = body.Span;
        if (span.StartsWith(ByteOrderMark))
        {
            return "the body starts with a UTF-8 byte order mark; JSON sent between systems must not have one (RFC 8259 §8.1)";
        }

        if (!Utf8.IsValid(span))
        {
            return $"the body is not valid UTF-8 (an invalid, overlong or surrogate byte sequence at byte {FirstInvalidUtf8(span)}); JSON must be UTF-8 (RFC 8259 §8.1)";
        }

        if (SyntaxProblem(span, maxDepth) is { } syntax)
        {
            return syntax;
        }

        try
        {
            using (JsonDocument.Parse(body, Options(maxDepth)))
            {
            }
        }
        catch (JsonException)
        {
            // The syntax was checked above: what is left is a repeated key.
            return "the body repeats a key within one JSON object (a duplicate key); each key may appear once per object";
        }

        return null;
    }

    /// <summary>
    /// The one parse of a body after the edge's <see cref="Problem"/> check (<see cref="HttpEdge.AnswerJsonAsync"/>): the same
    /// rules (duplicate keys refused), and a depth limit of the caller's shape. Null when the body is not JSON within them.
    /// </summary>
    public static JsonDocument? TryParse(ReadOnlyMemory<byte> body, int maxDepth = DefaultMaxDepth)
    {
        try
        {
            return JsonDocument.Parse(body, Options(maxDepth));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>As <see cref="TryParse"/>, as a mutable JSON object; null when the body is not a JSON object within the rules.</summary>
    public static JsonObject? TryParseObject(ReadOnlyMemory<byte> body, int maxDepth = DefaultMaxDepth)
    {
        try
        {
            return JsonNode.Parse(body.Span, documentOptions: Options(maxDepth)) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonDocumentOptions Options(int maxDepth) => new() { MaxDepth = maxDepth, AllowDuplicateProperties = false };

    /// <summary>A <see cref="Problem"/> phrase as a sentence (capital first letter, full stop), for answers written as sentences.</summary>
    public static string Sentence(string problem) => char.ToUpperInvariant(problem[0]) + problem[1..] + ".";

    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private static string? SyntaxProblem(ReadOnlySpan<byte> body, int maxDepth)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            while (reader.Read())
            {
                // Valid UTF-8 can still spell a lone surrogate as an escape ("\ud800"): such a string is not Unicode text.
                if (reader.TokenType is (JsonTokenType.String or JsonTokenType.PropertyName) && reader.ValueIsEscaped && !DecodesToText(ref reader))
                {
                    return $"a string in the body escapes a lone surrogate (at byte {reader.TokenStartIndex}); JSON strings must be Unicode text";
                }
            }
        }
        catch (JsonException e)
        {
            return reader.CurrentDepth >= maxDepth - 1 // the depth of the last container opened, one below the one refused
                ? $"the body is nested deeper than {maxDepth} levels"
                : $"the body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine})";
        }

        return null;
    }

    private static bool DecodesToText(ref Utf8JsonReader reader)
    {
        try
        {
            _ = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> body)
    {
        var at = 0;
        while (at < body.Length && Rune.DecodeFromUtf8(body[at..], out _, out var consumed) == System.Buffers.OperationStatus.Done)
        {
            at += consumed;
        }

        return at;
    }
}
