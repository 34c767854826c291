using System.Text.Json;

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
        // The text checks every JSON body of the app gets (Http/JsonText.cs), worded for an envelope.
        if (Http.JsonText.Problem(body, MaxDepth) is { } text)
        {
            problem = Http.JsonText.Sentence(text.Replace("the body repeats a key", "the envelope repeats a key", StringComparison.Ordinal));
            return null;
        }

        var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth });
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
}
