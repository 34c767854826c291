using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace FrontFunctions.Front;

/// <summary>
/// A request Front sends to a channel webhook: <c>{ "type": …, "payload": {…}, "metadata": {…}? }</c>
/// (see docs/front-channel-api.md). Parsed from the raw bytes; the bytes themselves stay the source of truth.
/// </summary>
public sealed record FrontWebhookEnvelope(string Type, JsonElement Root, JsonElement Payload, JsonElement? Metadata)
{
    public const string Authorization = "authorization";
    public const string MessageImported = "message_imported";
    public const string Message = "message";
    public const string MessageAutoreply = "message_autoreply";
    public const string Delete = "delete";

    /// <summary>Deeper nesting than any real envelope has.</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Parses an envelope, or says in <paramref name="problem"/> what is wrong with it (never echoing the body). The bytes
    /// must be UTF-8 without a byte order mark (RFC 8259 §8.1), every string must decode to Unicode text (no escaped lone
    /// surrogate) and no object may repeat a key: parsers disagree on which of two values wins, so an envelope with a
    /// repeated <c>type</c> or <c>id</c> could mean one thing to us and another to whatever reads it next.
    /// </summary>
    public static FrontWebhookEnvelope? TryParse(ReadOnlyMemory<byte> body, out string? problem)
    {
        problem = TextProblem(body.Span);
        if (problem is not null)
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth, AllowDuplicateProperties = false });
        }
        catch (JsonException)
        {
            // The syntax was checked by TextProblem: what is left is a repeated key.
            problem = "The envelope repeats a key within one JSON object (a duplicate key); each key may appear once per object.";
            return null;
        }

        using (document)
        {
            // One copy of the whole envelope: Payload and Metadata are elements of it, and Root is what gets queued.
            var root = document.RootElement.Clone();
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "The body must be a JSON object with \"type\" and \"payload\".";
                return null;
            }

            if (!root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() is not { Length: > 0 } typeName)
            {
                problem = "The envelope has no \"type\" string.";
                return null;
            }

            if (!root.TryGetProperty("payload", out var payload))
            {
                problem = "The envelope has no \"payload\".";
                return null;
            }

            if (payload.ValueKind != JsonValueKind.Object)
            {
                problem = "The envelope's \"payload\" must be a JSON object.";
                return null;
            }

            JsonElement? metadata = null;
            if (root.TryGetProperty("metadata", out var m) && m.ValueKind != JsonValueKind.Null)
            {
                if (m.ValueKind != JsonValueKind.Object)
                {
                    problem = "The envelope's \"metadata\" must be a JSON object when present.";
                    return null;
                }

                metadata = m;
            }

            problem = null;
            return new FrontWebhookEnvelope(typeName, root, payload, metadata);
        }
    }

    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>One pass over the bytes as UTF-8, one as JSON tokens: what keeps them from being JSON text, or null.</summary>
    private static string? TextProblem(ReadOnlySpan<byte> body)
    {
        if (body.StartsWith(ByteOrderMark))
        {
            return "The body starts with a UTF-8 byte order mark; JSON sent between systems must not have one (RFC 8259 §8.1).";
        }

        if (!Utf8.IsValid(body))
        {
            return $"The body is not valid UTF-8 (an invalid, overlong or surrogate byte sequence at byte {FirstInvalidUtf8(body)}); JSON must be UTF-8 (RFC 8259 §8.1).";
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            while (reader.Read())
            {
                // Valid UTF-8 can still spell a lone surrogate as an escape ("\ud800"): such a string is not Unicode text.
                if (reader.TokenType is (JsonTokenType.String or JsonTokenType.PropertyName) && reader.ValueIsEscaped && !DecodesToText(ref reader))
                {
                    return $"A string in the body escapes a lone surrogate (at byte {reader.TokenStartIndex}); JSON strings must be Unicode text.";
                }
            }
        }
        catch (JsonException e)
        {
            return reader.CurrentDepth >= MaxDepth - 1 // the depth of the last container opened, one below the one refused
                ? $"The body is nested deeper than {MaxDepth} levels."
                : $"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine}).";
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
