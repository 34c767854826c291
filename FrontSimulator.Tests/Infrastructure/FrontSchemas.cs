using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace FrontSimulator.Tests.Infrastructure;

/// <summary>
/// Front's own OpenAPI 3.0 schemas (Specs/, copied from frontapp/front-api-specs: see Specs/SOURCE.md), translated at test time into
/// JSON Schema 2020-12: <c>#/components/schemas/X</c> refs become <c>$defs</c> (only those reachable from the root),
/// <c>nullable: true</c> becomes <c>type: [t, "null"]</c> (or <c>anyOf [$ref, null]</c> beside a $ref), and every object
/// that declares <c>properties</c> gets <c>additionalProperties: false</c>, so a misspelt field name fails too.
/// </summary>
internal static class FrontSchemas
{
    private static readonly Lazy<JsonObject> CoreApi = new(() => Load("core-api.json"));
    private static readonly Lazy<JsonObject> ChannelApi = new(() => Load("channel-api.json"));

    public static readonly Lazy<JsonSchema> MessageResponse = new(() => Build(CoreApi.Value, "/components/schemas/MessageResponse"));
    public static readonly Lazy<JsonSchema> ConversationResponse = new(() => Build(CoreApi.Value, "/components/schemas/ConversationResponse"));

    public static readonly Lazy<JsonSchema> ListOfMessages = new(() => Build(CoreApi.Value, "/components/responses/listOfMessages/content/application~1json/schema"));
    public static readonly Lazy<JsonSchema> ListOfComments = new(() => Build(CoreApi.Value, "/components/responses/listOfComments/content/application~1json/schema"));
    public static readonly Lazy<JsonSchema> CommentResponse = new(() => Build(CoreApi.Value, "/components/schemas/CommentResponse"));
    public static readonly Lazy<JsonSchema> ListOfInboxes = new(() => Build(CoreApi.Value, "/components/responses/listOfInboxes/content/application~1json/schema"));
    public static readonly Lazy<JsonSchema> ListOfSeenReceipts = new(() => Build(CoreApi.Value, "/components/responses/listOfSeenReceipts/content/application~1json/schema"));

    /// <summary>The request bodies of PATCH /conversations/{id}, the tags routes and POST …/comments.</summary>
    public static readonly Lazy<JsonSchema> UpdateConversation = new(() => Build(CoreApi.Value, "/components/schemas/UpdateConversation"));
    public static readonly Lazy<JsonSchema> TagIds = new(() => Build(CoreApi.Value, "/components/schemas/TagIds"));

    /// <summary>The 202 body of the sync import endpoints (channel-api.json, components/responses/acceptedMessage).</summary>
    public static readonly Lazy<JsonSchema> AcceptedMessage = new(() =>
        Build(ChannelApi.Value, "/components/responses/acceptedMessage/content/application~1json/schema"));

    /// <summary>The request body of the external message status update (channel-api.json, update-external-message-status).</summary>
    public static readonly Lazy<JsonSchema> MessageStatusRequest = new(() => Build(
        ChannelApi.Value, "/paths/~1channels~1{channel_id}~1conversations~1{conv_ext_id}~1messages~1{message_ext_id}~1status/put/requestBody/content/application~1json/schema"));

    /// <summary>The same answer as core-api.json describes it.</summary>
    public static readonly Lazy<JsonSchema> CoreAcceptedMessage = new(() =>
        Build(CoreApi.Value, "/components/responses/acceptedMessage/content/application~1json/schema"));

    /// <summary>The copies kept in the repository (<c>Specs/</c>, see its SOURCE.md), next to the test binaries.</summary>
    public static string SpecDirectory => Path.Combine(AppContext.BaseDirectory, "Specs");

    /// <summary>Asserts that <paramref name="json"/> validates, listing every error otherwise.</summary>
    public static void AssertValid(Lazy<JsonSchema> schema, string json)
    {
        var errors = Errors(schema, json);
        Assert.True(errors.Count == 0, "Schema violations:\n" + string.Join("\n", errors) + "\nin " + json);
    }

    public static IReadOnlyList<string> Errors(Lazy<JsonSchema> schema, string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return [];
        }

        var errors = (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
            .ToList();
        return errors.Count > 0 ? errors : ["invalid (no details)"];
    }

    private static JsonObject Load(string file) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(SpecDirectory, file)))!.AsObject();

    private static JsonSchema Build(JsonObject spec, string rootPointer)
    {
        var root = Resolve(spec, rootPointer).DeepClone().AsObject();
        var components = spec["components"]!["schemas"]!.AsObject();
        var defs = new JsonObject();
        var pending = new Queue<string>(ReferencedSchemas(root));
        while (pending.TryDequeue(out var name))
        {
            if (defs.ContainsKey(name))
            {
                continue;
            }

            var schema = components[name]!.DeepClone().AsObject();
            foreach (var next in ReferencedSchemas(schema))
            {
                pending.Enqueue(next);
            }

            defs[name] = Translate(schema);
        }

        var document = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = defs,
            ["allOf"] = new JsonArray(Translate(root)),
        };
        return JsonSchema.FromText(
            document.ToJsonString(),
            new BuildOptions { SchemaRegistry = new SchemaRegistry() },
            new Uri($"https://front-schemas.test/{Guid.NewGuid():N}"));
    }

    private static JsonNode Resolve(JsonObject spec, string pointer)
    {
        JsonNode node = spec;
        foreach (var segment in pointer.Trim('/').Split('/'))
        {
            node = node[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]
                   ?? throw new InvalidOperationException("No " + pointer + " in the spec");
        }

        return node;
    }

    private static IEnumerable<string> ReferencedSchemas(JsonNode? node)
    {
        const string prefix = "#/components/schemas/";
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (key == "$ref" && value?.GetValue<string>() is { } target && target.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        yield return target[prefix.Length..];
                    }
                    else
                    {
                        foreach (var name in ReferencedSchemas(value))
                        {
                            yield return name;
                        }
                    }
                }

                break;
            case JsonArray a:
                foreach (var name in a.SelectMany(ReferencedSchemas))
                {
                    yield return name;
                }

                break;
        }
    }

    /// <summary>Translates one OpenAPI 3.0 schema object (recursively, keyword-aware) into JSON Schema 2020-12.</summary>
    private static JsonObject Translate(JsonObject schema)
    {
        schema.Remove("example");
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var name in properties.Select(p => p.Key).ToList())
            {
                properties[name] = Translate(properties[name]!.AsObject());
            }

            if (!schema.ContainsKey("additionalProperties"))
            {
                schema["additionalProperties"] = false;
            }

            // A field the spec requires but does not declare (TeammateResponse.license_type) is allowed, untyped: otherwise
            // additionalProperties would make the schema impossible to meet.
            foreach (var required in (schema["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>()).Where(r => !properties.ContainsKey(r)).ToList())
            {
                properties[required] = new JsonObject();
            }
        }

        foreach (var key in new[] { "items", "not" })
        {
            if (schema[key] is JsonObject sub)
            {
                schema[key] = Translate(sub);
            }
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            schema["additionalProperties"] = Translate(additional);
        }

        foreach (var key in new[] { "allOf", "anyOf", "oneOf" })
        {
            if (schema[key] is JsonArray list)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    list[i] = Translate(list[i]!.AsObject());
                }
            }
        }

        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            schema["$ref"] = "#/$defs/" + reference["#/components/schemas/".Length..];
        }

        if (schema["nullable"]?.GetValue<bool>() == true)
        {
            schema.Remove("nullable");
            if (schema["$ref"] is { } refNode)
            {
                schema.Remove("$ref");
                schema["anyOf"] = new JsonArray(new JsonObject { ["$ref"] = refNode.GetValue<string>() }, new JsonObject { ["type"] = "null" });
            }
            else if (schema["type"]?.GetValue<string>() is { } type)
            {
                schema["type"] = new JsonArray(type, "null");
                if (schema["enum"] is JsonArray values)
                {
                    values.Add(null);
                }
            }
        }
        else
        {
            schema.Remove("nullable");
        }

        return schema;
    }
}
