using System.Text.Json;

namespace FrontFunctions.Front;

/// <summary>
/// A request Front sends to a channel webhook: <c>{ "type": …, "payload": {…}, "metadata": {…}? }</c>
/// (see shared/front-channel-api.md). Parsed from the raw bytes; the bytes themselves stay the source of truth.
/// </summary>
public sealed record FrontWebhookEnvelope(string Type, JsonElement Root, JsonElement Payload, JsonElement? Metadata)
{
    public const string Authorization = "authorization";
    public const string MessageImported = "message_imported";
    public const string Message = "message";
    public const string MessageAutoreply = "message_autoreply";
    public const string Delete = "delete";

    /// <summary>Parses an envelope, or says in <paramref name="problem"/> what is wrong with it (never echoing the body).</summary>
    public static FrontWebhookEnvelope? TryParse(ReadOnlyMemory<byte> body, out string? problem)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            problem = $"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine}).";
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
}
