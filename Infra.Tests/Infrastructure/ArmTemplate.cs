using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FrontFunctions.Infra.Tests.Infrastructure;

/// <summary>A template in the compiled JSON: the root, or the inline template of a module (a nested deployment).</summary>
/// <param name="Template">The template object (parameters, variables, resources, outputs).</param>
/// <param name="Parent">The template holding the deployment; null for the root.</param>
/// <param name="Deployment">The Microsoft.Resources/deployments resource; null for the root.</param>
/// <param name="Path">Symbolic path for messages, e.g. <c>main/functionApp</c>.</param>
internal sealed record ArmScope(JsonObject Template, ArmScope? Parent, JsonObject? Deployment, string Path)
{
    public IEnumerable<JsonObject> Resources => ArmTemplate.ResourcesOf(Template);

    public bool IsSecureParameter(string name) =>
        Template["parameters"]?[name]?["type"]?.GetValue<string>() is { } type
        && (type.Equals("securestring", StringComparison.OrdinalIgnoreCase) || type.Equals("secureobject", StringComparison.OrdinalIgnoreCase));

    public IEnumerable<string> SecureParameterNames =>
        (Template["parameters"]?.AsObject() ?? []).Select(p => p.Key).Where(IsSecureParameter);
}

/// <summary>A resource and the template it sits in.</summary>
internal sealed record ArmResource(ArmScope Scope, JsonObject Resource)
{
    public string Type => Resource["type"]!.GetValue<string>();

    public string Name => Resource["name"]!.GetValue<string>();

    public JsonObject? Properties => Resource["properties"] as JsonObject;

    public bool IsExisting => Resource["existing"]?.GetValue<bool>() == true;

    public override string ToString() => $"{Type} {Name} in {Scope.Path}";
}

/// <summary>
/// Walks compiled ARM JSON generically: resources may be an array (languageVersion 1) or an object keyed by symbolic
/// name (languageVersion 2.0), and modules compile to Microsoft.Resources/deployments with an inline template.
/// Values are literals or ARM expressions (strings in brackets); the helpers resolve only the simple expressions
/// (<c>parameters('x')</c>, <c>variables('x')</c>, <c>parameters('x')[copyIndex()]</c>) and leave the rest as text.
/// </summary>
internal static partial class ArmTemplate
{
    public const string DeploymentType = "Microsoft.Resources/deployments";

    public static IEnumerable<JsonObject> ResourcesOf(JsonObject template) => template["resources"] switch
    {
        JsonArray array => array.OfType<JsonObject>(),
        JsonObject map => map.Select(p => p.Value).OfType<JsonObject>(),
        _ => [],
    };

    public static IEnumerable<ArmScope> Scopes(JsonObject root)
    {
        var pending = new Stack<ArmScope>();
        pending.Push(new ArmScope(root, null, null, "main"));
        while (pending.Count > 0)
        {
            var scope = pending.Pop();
            yield return scope;
            foreach (var resource in scope.Resources)
            {
                if (resource["type"]?.GetValue<string>() == DeploymentType && resource["properties"]?["template"] is JsonObject nested)
                {
                    pending.Push(new ArmScope(nested, scope, resource, $"{scope.Path}/{resource["name"]}"));
                }
            }
        }
    }

    public static IEnumerable<ArmResource> AllResources(JsonObject root) =>
        Scopes(root).SelectMany(scope => scope.Resources.Select(r => new ArmResource(scope, r)));

    public static IEnumerable<ArmResource> OfType(JsonObject root, string type) =>
        AllResources(root).Where(r => !r.IsExisting && r.Type.Equals(type, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// All string values inside a node, joined by new lines. (Not <c>ToJsonString()</c>: its encoder escapes the
    /// apostrophes of <c>parameters('x')</c> as <c>\u0027</c>, and a text search would then find nothing.)
    /// </summary>
    public static string TextOf(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value => value.TryGetValue<string>(out var s) ? s : value.ToJsonString(),
        JsonArray array => string.Join('\n', array.Select(TextOf)),
        JsonObject map => string.Join('\n', map.Select(p => p.Key + "\n" + TextOf(p.Value))),
        _ => "",
    };

    /// <summary>Whether a string is an ARM expression (<c>[...]</c>; <c>[[</c> escapes a literal bracket).</summary>
    public static bool IsExpression(string value) =>
        value.StartsWith('[') && value.EndsWith(']') && !value.StartsWith("[[", StringComparison.Ordinal);

    /// <summary>
    /// The literal values a node stands for: a literal string, or an array of them, following <c>parameters('x')</c> to
    /// the value the parent deployment passes (or the default) and <c>variables('x')</c> to the variable. Anything else
    /// resolves to nothing.
    /// </summary>
    public static IEnumerable<string> ResolveStrings(JsonNode? node, ArmScope scope, int depth = 0)
    {
        if (node is null || depth > 20)
        {
            yield break;
        }

        if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                foreach (var value in ResolveStrings(item, scope, depth + 1))
                {
                    yield return value;
                }
            }

            yield break;
        }

        if (node is not JsonValue jsonValue || !jsonValue.TryGetValue<string>(out var text))
        {
            yield break;
        }

        if (!IsExpression(text))
        {
            yield return text.StartsWith("[[", StringComparison.Ordinal) ? text[1..] : text;
            yield break;
        }

        foreach (var value in ResolveReference(text[1..^1], scope, depth))
        {
            yield return value;
        }
    }

    private static IEnumerable<string> ResolveReference(string expression, ArmScope scope, int depth)
    {
        var match = SimpleReference().Match(expression);
        if (!match.Success)
        {
            return [];
        }

        var name = match.Groups["name"].Value;
        if (match.Groups["kind"].Value == "variables")
        {
            return ResolveStrings(scope.Template["variables"]?[name], scope, depth + 1);
        }

        // A module parameter: what the parent deployment passes, else the parameter's default.
        if (scope.Deployment?["properties"]?["parameters"]?[name]?["value"] is { } passed && scope.Parent is { } parent)
        {
            return ResolveStrings(passed, parent, depth + 1);
        }

        return ResolveStrings(scope.Template["parameters"]?[name]?["defaultValue"], scope, depth + 1);
    }

    /// <summary>
    /// The names of the child resources a resource declaration creates (the last segment of <c>parent/…/child</c>),
    /// including copy loops over a parameter or variable array.
    /// </summary>
    public static IEnumerable<string> ChildNames(ArmResource resource)
    {
        var name = resource.Name;
        if (!IsExpression(name))
        {
            return [name.Split('/')[^1]];
        }

        var loop = CopyIndexedReference().Match(name);
        if (loop.Success)
        {
            return ResolveStrings(JsonValue.Create($"[{loop.Groups["ref"].Value}]"), resource.Scope);
        }

        var last = LastFormatArgument().Match(name);
        if (last.Success)
        {
            return last.Groups["literal"].Success
                ? [last.Groups["literal"].Value]
                : ResolveStrings(JsonValue.Create($"[{last.Groups["ref"].Value}]"), resource.Scope);
        }

        return [];
    }

    [GeneratedRegex(@"^\s*(?<kind>parameters|variables)\('(?<name>[^']+)'\)\s*$")]
    private static partial Regex SimpleReference();

    [GeneratedRegex(@"(?<ref>(?:parameters|variables)\('[^']+'\))\[copyIndex\(\)\]")]
    private static partial Regex CopyIndexedReference();

    [GeneratedRegex(@",\s*(?:'(?<literal>[^']*)'|(?<ref>(?:parameters|variables)\('[^']+'\)))\)\]$")]
    private static partial Regex LastFormatArgument();
}
