using System.Text.Json;
using FrontFunctions.Front;

namespace FrontFunctions.PartnerApi;

/// <summary>
/// The body of <c>PATCH …/conversations/{externalConversationId}</c>: <c>{"status":…, "assignee_id":…|null,
/// "tag_ids":{"add":[…],"remove":[…]}}</c>, each optional, at least one. Unknown properties are refused, so a misspelt field
/// is a 400, never a silent no-op.
/// </summary>
internal sealed record ConversationChange(string? Status, bool SetsAssignee, string? AssigneeId, IReadOnlyList<string> TagsToAdd, IReadOnlyList<string> TagsToRemove)
{
    public const int MaxTags = 50;
    private const string Shape = "The body must be a JSON object with any of: status (archived, open, deleted or trashed), assignee_id (a teammate id, or null to unassign), tag_ids ({\"add\":[…],\"remove\":[…]}).";

    /// <summary>The <c>UpdateConversation</c> body for Front's PATCH, or null when neither status nor assignee changes.</summary>
    public Dictionary<string, string?>? FrontPatch()
    {
        var patch = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (Status is not null)
        {
            patch["status"] = PartnerConversations.Statuses[Status];
        }

        if (SetsAssignee)
        {
            patch["assignee_id"] = AssigneeId;
        }

        return patch.Count == 0 ? null : patch;
    }

    public static (ConversationChange? Change, string? Problem) Parse(byte[] body)
    {
        if (Http.JsonText.TryParse(body, maxDepth: 8) is not { } document)
        {
            return (null, Shape);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, Shape);
            }

            string? status = null, assignee = null;
            var setsAssignee = false;
            IReadOnlyList<string> add = [], remove = [];
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "status":
                        if (property.Value.ValueKind != JsonValueKind.String || !PartnerConversations.Statuses.ContainsKey(property.Value.GetString()!))
                        {
                            return (null, "status must be one of: archived, open, deleted, trashed (trashed is Front's deleted).");
                        }

                        status = property.Value.GetString();
                        break;
                    case "assignee_id":
                        setsAssignee = true;
                        if (property.Value.ValueKind == JsonValueKind.Null)
                        {
                            break;
                        }

                        if (property.Value.ValueKind != JsonValueKind.String || property.Value.GetString() is not { Length: > 0 and <= FrontIds.MaxIdLength } teammate)
                        {
                            return (null, "assignee_id must be a teammate id (a string of 1 to 100 characters) or null to unassign.");
                        }

                        assignee = teammate;
                        break;
                    case "tag_ids":
                        if (property.Value.ValueKind != JsonValueKind.Object)
                        {
                            return (null, "tag_ids must be an object: {\"add\":[\"tag_…\"],\"remove\":[\"tag_…\"]}.");
                        }

                        foreach (var list in property.Value.EnumerateObject())
                        {
                            if (list.Name is not ("add" or "remove"))
                            {
                                return (null, "tag_ids takes only add and remove.");
                            }

                            if (Tags(list.Value) is not { } tags)
                            {
                                return (null, $"tag_ids.{list.Name} must be an array of 1 to {MaxTags} tag ids (\"tag_…\").");
                            }

                            if (list.Name == "add")
                            {
                                add = tags;
                            }
                            else
                            {
                                remove = tags;
                            }
                        }

                        break;
                    default:
                        return (null, $"Unknown property \"{(property.Name.Length > 50 ? property.Name[..50] + "…" : property.Name)}\". {Shape}");
                }
            }

            if (add.Intersect(remove, StringComparer.Ordinal).FirstOrDefault() is { } both)
            {
                return (null, $"Tag {both} is both added and removed.");
            }

            return status is null && !setsAssignee && add.Count == 0 && remove.Count == 0
                ? (null, "Nothing to change. " + Shape)
                : (new ConversationChange(status, setsAssignee, assignee, add, remove), null);
        }
    }

    private static List<string>? Tags(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > MaxTags)
        {
            return null;
        }

        var tags = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !FrontIds.IsResourceId(item.GetString(), "tag_"))
            {
                return null;
            }

            tags.Add(item.GetString()!);
        }

        return [.. tags.Distinct(StringComparer.Ordinal)];
    }
}
