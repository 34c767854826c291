using System.Text.Json;
using System.Text.Json.Nodes;
using FrontFunctions.Front;

namespace FrontFunctions.Imports;

/// <summary>What the app needs from a valid import body; the body itself is forwarded to Front as given.</summary>
public sealed record ImportDraft(bool Inbound, string ExternalId, string ExternalConversationId);

/// <summary>
/// Front's rules for <c>InboundMessage</c> / <c>OutboundMessage</c> (channel-api.json in FrontSimulator.Tests/Specs): required
/// fields, their types, and the 200-character limit (Unicode code points, as JSON Schema counts) of <c>metadata.external_id</c>,
/// <c>metadata.external_conversation_id</c> and <c>metadata.referenced_message_external_id</c>. Every problem is reported,
/// each naming its field by path (<c>to[1].handle</c>), so one answer lists all that is wrong.
/// </summary>
public static class ImportRequestValidator
{
    public const int MaxIdLength = 200;

    /// <summary>The most problems one 400 answer lists (the message counts the rest).</summary>
    public const int MaxProblems = 20;

    /// <summary>The length of an id as Front's schema counts it: Unicode code points (an emoji is one, not two UTF-16 units).</summary>
    public static int IdLength(string value) => value.EnumerateRunes().Count();

    /// <summary>
    /// Parses the body: what <see cref="Http.JsonText"/> refuses for every JSON body (not UTF-8, not JSON, nested deeper than
    /// 64, a key repeated within one object: which copy would Front read?) is a problem.
    /// </summary>
    public static (JsonNode? Root, string? Problem) Parse(ReadOnlyMemory<byte> body)
    {
        if (Http.JsonText.Problem(body) is { } problem)
        {
            return (null, problem);
        }

        return (Http.JsonText.TryParseObject(body), null); // a JSON value that is not an object: Validate names it
    }

    public static (ImportDraft? Draft, IReadOnlyList<string> Problems) Validate(JsonNode? root, bool inbound)
    {
        var problems = new List<string>();
        if (root is not JsonObject body)
        {
            return (null, ["the body must be a JSON object"]);
        }

        RequiredString(body, "body", "body", problems);
        OptionalString(body, "subject", "subject", problems, null);
        OptionalInteger(body, "delivered_at", problems);
        if (inbound)
        {
            if (RequiredObject(body, "sender", "sender", problems) is { } sender)
            {
                RequiredString(sender, "handle", "sender.handle", problems);
                OptionalString(sender, "name", "sender.name", problems, null);
                OptionalString(sender, "email", "sender.email", problems, null);
            }
        }
        else
        {
            OptionalString(body, "sender_name", "sender_name", problems, null);
            OptionalString(body, "author_id", "author_id", problems, null);
            if (!body.TryGetPropertyValue("to", out var to) || to is null)
            {
                problems.Add("to is required");
            }
            else if (to is not JsonArray list)
            {
                problems.Add("to must be an array");
            }
            else
            {
                for (var i = 0; i < list.Count; i++)
                {
                    var path = $"to[{i}]";
                    if (list[i] is not JsonObject recipient)
                    {
                        problems.Add(path + " must be an object");
                        continue;
                    }

                    RequiredString(recipient, "handle", path + ".handle", problems);
                    OptionalString(recipient, "name", path + ".name", problems, null);
                    OptionalString(recipient, "email", path + ".email", problems, null);
                }
            }
        }

        string? externalId = null, externalConversationId = null;
        if (RequiredObject(body, "metadata", "metadata", problems) is { } metadata)
        {
            externalId = RequiredString(metadata, "external_id", "metadata.external_id", problems, MaxIdLength);
            externalConversationId = RequiredString(metadata, "external_conversation_id", "metadata.external_conversation_id", problems, MaxIdLength);
            OptionalString(metadata, "referenced_message_external_id", "metadata.referenced_message_external_id", problems, MaxIdLength);
        }

        if (externalId is { Length: 0 })
        {
            problems.Add("metadata.external_id must not be empty");
        }

        return problems.Count > 0 ? (null, problems) : (new ImportDraft(inbound, externalId!, externalConversationId!), problems);
    }

    private static JsonObject? RequiredObject(JsonObject parent, string name, string path, List<string> problems)
    {
        if (!parent.TryGetPropertyValue(name, out var node) || node is null)
        {
            problems.Add(path + " is required");
            return null;
        }

        if (node is not JsonObject obj)
        {
            problems.Add(path + " must be an object");
            return null;
        }

        return obj;
    }

    private static string? RequiredString(JsonObject parent, string name, string path, List<string> problems, int? maxLength = null)
    {
        if (!parent.TryGetPropertyValue(name, out var node) || node is null)
        {
            problems.Add(path + " is required");
            return null;
        }

        return StringValue(node, path, problems, maxLength);
    }

    private static string? OptionalString(JsonObject parent, string name, string path, List<string> problems, int? maxLength)
    {
        if (!parent.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        return StringValue(node, path, problems, maxLength);
    }

    private static string? StringValue(JsonNode node, string path, List<string> problems, int? maxLength)
    {
        if (node.GetValueKind() != JsonValueKind.String)
        {
            problems.Add(path + " must be a string");
            return null;
        }

        var value = node.GetValue<string>();
        var length = IdLength(value);
        if (maxLength is { } max && length > max)
        {
            problems.Add($"{path} must be at most {max} characters (got {length})");
            return null;
        }

        return value;
    }

    private static void OptionalInteger(JsonObject parent, string name, List<string> problems)
    {
        if (parent.TryGetPropertyValue(name, out var node) && node is not null
            && (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<long>(out _)))
        {
            problems.Add(name + " must be an integer (seconds)");
        }
    }
}
