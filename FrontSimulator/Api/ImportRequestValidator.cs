using System.Text.Json;
using System.Text.Json.Nodes;
using FrontSimulator.Importing;
using FrontSimulator.Model;

namespace FrontSimulator.Api;

/// <summary>
/// Checks an import body against Front's <c>InboundMessage</c> / <c>OutboundMessage</c> schema rules (channel-api.json):
/// required fields, types, and the 200-character limit (counted in Unicode code points, as JSON Schema does) of
/// <c>metadata.external_id</c>, <c>external_conversation_id</c> and <c>referenced_message_external_id</c>.
/// </summary>
internal static class ImportRequestValidator
{
    public const int MaxIdLength = 200;

    public static (ImportDraft? Draft, IReadOnlyList<string> Problems) Validate(JsonNode? root, bool inbound, string channelId)
    {
        var problems = new List<string>();
        if (root is not JsonObject body)
        {
            return (null, ["the body must be a JSON object"]);
        }

        var text = RequiredString(body, "body", "body", problems);
        var subject = OptionalString(body, "subject", "subject", problems, null);
        var deliveredAt = OptionalInteger(body, "delivered_at", problems);
        var recipients = new List<MessageParty>();
        if (inbound)
        {
            if (RequiredObject(body, "sender", "sender", problems) is { } sender)
            {
                var handle = RequiredString(sender, "handle", "sender.handle", problems);
                var name = OptionalString(sender, "name", "sender.name", problems, null);
                OptionalString(sender, "email", "sender.email", problems, null);
                if (handle is not null)
                {
                    recipients.Add(new MessageParty(handle, name, "from"));
                }
            }

            recipients.Add(new MessageParty(channelId, null, "to"));
        }
        else
        {
            var senderName = OptionalString(body, "sender_name", "sender_name", problems, null);
            OptionalString(body, "author_id", "author_id", problems, null);
            recipients.Add(new MessageParty(channelId, senderName, "from"));
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

                    var handle = RequiredString(recipient, "handle", path + ".handle", problems);
                    var name = OptionalString(recipient, "name", path + ".name", problems, null);
                    OptionalString(recipient, "email", path + ".email", problems, null);
                    if (handle is not null)
                    {
                        recipients.Add(new MessageParty(handle, name, "to"));
                    }
                }
            }
        }

        string? externalId = null, externalConversationId = null, referenced = null;
        if (RequiredObject(body, "metadata", "metadata", problems) is { } metadata)
        {
            externalId = RequiredString(metadata, "external_id", "metadata.external_id", problems, MaxIdLength);
            externalConversationId = RequiredString(metadata, "external_conversation_id", "metadata.external_conversation_id", problems, MaxIdLength);
            referenced = OptionalString(metadata, "referenced_message_external_id", "metadata.referenced_message_external_id", problems, MaxIdLength);
        }

        if (problems.Count > 0)
        {
            return (null, problems);
        }

        return (new ImportDraft(inbound, externalId!, externalConversationId!, referenced, subject, text!, deliveredAt, recipients), problems);
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
        var length = value.EnumerateRunes().Count();
        if (maxLength is { } max && length > max)
        {
            problems.Add($"{path} must be at most {max} characters (got {length})");
            return null;
        }

        return value;
    }

    private static double? OptionalInteger(JsonObject parent, string name, List<string> problems)
    {
        if (!parent.TryGetPropertyValue(name, out var node) || node is null)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<long>(out var seconds))
        {
            problems.Add(name + " must be an integer (seconds)");
            return null;
        }

        return seconds;
    }
}
