using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace FrontFunctions.Infra.Tests.Infrastructure;

/// <summary>
/// The compiled template as one deployment would see it: root parameters fixed (given values, else defaults), resource
/// and module <c>condition</c>s evaluated, and values built from simple ARM expressions (<c>parameters</c>,
/// <c>variables</c>, <c>if</c>, <c>not</c>, <c>and</c>, <c>or</c>, <c>equals</c>, <c>empty</c>, property access) computed.
/// Anything that needs Azure (<c>reference</c>, <c>resourceId</c>, <c>deployer</c>, …) stays <see cref="ArmValue.Unknown"/>,
/// and a resource whose condition is unknown counts as deployed, so tests err on the side of "it is there".
/// </summary>
internal sealed class ArmDeployment(JsonObject root, IReadOnlyDictionary<string, JsonNode?> parameters)
{
    public JsonObject Root { get; } = root;

    /// <summary>main.bicep with the VNet option on or off (the parameter <c>vnetEnabled</c>), everything else default.</summary>
    public static ArmDeployment Of(JsonObject root, bool vnetEnabled, params (string Name, JsonNode? Value)[] more)
    {
        var given = new Dictionary<string, JsonNode?>(StringComparer.OrdinalIgnoreCase) { ["vnetEnabled"] = JsonValue.Create(vnetEnabled) };
        foreach (var (name, value) in more)
        {
            given[name] = value;
        }

        return new ArmDeployment(root, given);
    }

    /// <summary>Resources of a type that this deployment creates (condition true or unknown, in every enclosing module).</summary>
    public IEnumerable<ArmResource> OfType(string type) =>
        ArmTemplate.OfType(Root, type).Where(IsDeployed);

    public bool IsDeployed(ArmResource resource)
    {
        if (IsFalse(resource.Resource["condition"], resource.Scope))
        {
            return false;
        }

        for (var scope = resource.Scope; scope.Deployment is { } deployment && scope.Parent is { } parent; scope = parent)
        {
            if (IsFalse(deployment["condition"], parent))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The value of a node in a scope: a literal as is, an expression evaluated where possible.</summary>
    public ArmValue Evaluate(JsonNode? node, ArmScope scope)
    {
        if (node is JsonValue value && value.TryGetValue<string>(out var text))
        {
            if (ArmTemplate.IsExpression(text))
            {
                return new ExpressionEvaluator(this, scope, text[1..^1]).Run();
            }

            return ArmValue.Of(JsonValue.Create(text.StartsWith("[[", StringComparison.Ordinal) ? text[1..] : text));
        }

        // Objects and arrays: each member evaluated where possible; one that cannot be keeps its expression text.
        return node switch
        {
            JsonObject o => ArmValue.Of(new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Resolved(p.Value, scope))))),
            JsonArray a => ArmValue.Of(new JsonArray([.. a.Select(item => Resolved(item, scope))])),
            _ => ArmValue.Of(node?.DeepClone()),
        };
    }

    private JsonNode? Resolved(JsonNode? node, ArmScope scope) =>
        Evaluate(node, scope) is { IsKnown: true } value ? value.Node : node?.DeepClone();

    /// <summary>A property of a resource, evaluated (a dotted path below <c>properties</c>, e.g. <c>networkAcls.defaultAction</c>).</summary>
    public ArmValue Property(ArmResource resource, string path)
    {
        var value = ArmValue.Of(resource.Properties);
        foreach (var part in path.Split('.'))
        {
            // Each level may itself be an expression (Bicep compiles `cond ? {…} : {…}` to one string).
            value = value is { IsKnown: true, Node: JsonObject o } ? Evaluate(o[part], resource.Scope) : ArmValue.Unknown;
        }

        return value;
    }

    public ArmValue Parameter(string name, ArmScope scope)
    {
        if (scope.Deployment is { } deployment && scope.Parent is { } parent)
        {
            var passed = deployment["properties"]?["parameters"]?[name];
            if (passed is JsonObject passedObject && passedObject.ContainsKey("value"))
            {
                return Evaluate(passedObject["value"], parent);
            }

            // Bicep compiles a conditional module parameter to one expression building {value: …}.
            if (passed is JsonValue)
            {
                var whole = Evaluate(passed, parent);
                return whole is { IsKnown: true, Node: JsonObject o } && o.ContainsKey("value") ? ArmValue.Of(o["value"]?.DeepClone()) : ArmValue.Unknown;
            }

            return Default(name, scope);
        }

        return parameters.TryGetValue(name, out var given) ? ArmValue.Of(given?.DeepClone()) : Default(name, scope);
    }

    private ArmValue Default(string name, ArmScope scope) =>
        scope.Template["parameters"]?[name] is JsonObject declared && declared.ContainsKey("defaultValue")
            ? Evaluate(declared["defaultValue"], scope)
            : ArmValue.Unknown;

    private bool IsFalse(JsonNode? condition, ArmScope scope) =>
        condition is not null && Evaluate(condition, scope) is { IsKnown: true, Node: JsonValue v } && v.TryGetValue<bool>(out var b) && !b;

    /// <summary>A small recursive-descent evaluator of ARM template expressions.</summary>
    private sealed class ExpressionEvaluator(ArmDeployment deployment, ArmScope scope, string text)
    {
        private int _at;

        public ArmValue Run()
        {
            try
            {
                var value = Expression();
                SkipSpace();
                return _at == text.Length ? value : ArmValue.Unknown;
            }
            catch (FormatException)
            {
                return ArmValue.Unknown;
            }
        }

        private ArmValue Expression()
        {
            SkipSpace();
            ArmValue value;
            if (Peek() == '\'')
            {
                value = ArmValue.Of(JsonValue.Create(StringLiteral()));
            }
            else if (char.IsDigit(Peek()) || Peek() == '-')
            {
                var start = _at++;
                while (_at < text.Length && char.IsDigit(text[_at]))
                {
                    _at++;
                }

                value = ArmValue.Of(JsonValue.Create(long.Parse(text[start.._at], CultureInfo.InvariantCulture)));
            }
            else
            {
                var name = Identifier();
                SkipSpace();
                Expect('(');
                var arguments = new List<ArmValue>();
                SkipSpace();
                if (Peek() != ')')
                {
                    arguments.Add(Expression());
                    SkipSpace();
                    while (Peek() == ',')
                    {
                        _at++;
                        arguments.Add(Expression());
                        SkipSpace();
                    }
                }

                Expect(')');
                value = Call(name, arguments);
            }

            return Accessors(value);
        }

        private ArmValue Accessors(ArmValue value)
        {
            while (true)
            {
                SkipSpace();
                if (Peek() == '.')
                {
                    _at++;
                    var property = Identifier();
                    value = value is { IsKnown: true, Node: JsonObject o } ? Member(o, property) : ArmValue.Unknown;
                }
                else if (Peek() == '[')
                {
                    _at++;
                    var index = Expression();
                    SkipSpace();
                    Expect(']');
                    value = (value, index) switch
                    {
                        ({ IsKnown: true, Node: JsonObject o }, { IsKnown: true, Node: JsonValue k }) when k.TryGetValue<string>(out var key) => Member(o, key),
                        ({ IsKnown: true, Node: JsonArray a }, { IsKnown: true, Node: JsonValue k }) when k.TryGetValue<long>(out var i) && i >= 0 && i < a.Count =>
                            deployment.Evaluate(a[(int)i], scope),
                        _ => ArmValue.Unknown,
                    };
                }
                else
                {
                    return value;
                }
            }
        }

        private ArmValue Member(JsonObject o, string key) =>
            o.FirstOrDefault(p => p.Key.Equals(key, StringComparison.OrdinalIgnoreCase)) is { Key: not null } p
                ? deployment.Evaluate(p.Value, scope)
                : ArmValue.Unknown;

        private ArmValue Call(string name, List<ArmValue> arguments)
        {
            switch (name.ToLowerInvariant())
            {
                case "parameters" when String(arguments, 0) is { } parameter:
                    return deployment.Parameter(parameter, scope);
                case "variables" when String(arguments, 0) is { } variable:
                    return scope.Template["variables"]?.AsObject().FirstOrDefault(v => v.Key == variable) is { Key: not null } v
                        ? deployment.Evaluate(v.Value, scope)
                        : ArmValue.Unknown;
                case "true":
                    return ArmValue.Of(JsonValue.Create(true));
                case "false":
                    return ArmValue.Of(JsonValue.Create(false));
                case "null":
                    return ArmValue.Of(null);
                case "not" when Bool(arguments, 0) is { } b:
                    return ArmValue.Of(JsonValue.Create(!b));
                case "and":
                    return Logical(arguments, all: true);
                case "or":
                    return Logical(arguments, all: false);
                case "if" when arguments.Count == 3:
                    return Bool(arguments, 0) is { } test ? (test ? arguments[1] : arguments[2]) : ArmValue.Unknown;
                case "equals" when arguments.Count == 2 && arguments[0].IsKnown && arguments[1].IsKnown:
                    return ArmValue.Of(JsonValue.Create(JsonNode.DeepEquals(arguments[0].Node, arguments[1].Node)));
                case "empty" when arguments.Count == 1 && arguments[0].IsKnown:
                    return ArmValue.Of(JsonValue.Create(arguments[0].Node switch
                    {
                        null => true,
                        JsonArray a => a.Count == 0,
                        JsonObject o => o.Count == 0,
                        JsonValue s when s.TryGetValue<string>(out var str) => str.Length == 0,
                        _ => false,
                    }));
                case "createobject" when arguments.Count % 2 == 0 && arguments.All(a => a.IsKnown):
                    var created = new JsonObject();
                    for (var i = 0; i < arguments.Count; i += 2)
                    {
                        created[String(arguments, i) ?? throw new FormatException("createObject key must be a string.")] = arguments[i + 1].Node?.DeepClone();
                    }

                    return ArmValue.Of(created);
                case "createarray" when arguments.All(a => a.IsKnown):
                    return ArmValue.Of(new JsonArray([.. arguments.Select(a => a.Node?.DeepClone())]));
                case "format" when arguments.Count > 0 && arguments.All(a => a.IsKnown) && String(arguments, 0) is { } template:
                    return ArmValue.Of(JsonValue.Create(string.Format(
                        CultureInfo.InvariantCulture,
                        template,
                        [.. arguments.Skip(1).Select(a => (object?)(a.AsString ?? a.Node?.ToJsonString()))])));
                case "length" when arguments.Count == 1 && arguments[0] is { IsKnown: true, Node: JsonArray counted }:
                    return ArmValue.Of(JsonValue.Create((long)counted.Count));
                case "div" when Long(arguments, 0) is { } dividend && Long(arguments, 1) is { } divisor and not 0:
                    return ArmValue.Of(JsonValue.Create(dividend / divisor));
                case "max" when arguments.Count > 0 && arguments.All(a => a.AsLong is not null):
                    return ArmValue.Of(JsonValue.Create(arguments.Max(a => a.AsLong!.Value)));
                case "min" when arguments.Count > 0 && arguments.All(a => a.AsLong is not null):
                    return ArmValue.Of(JsonValue.Create(arguments.Min(a => a.AsLong!.Value)));
                case "string" when arguments.Count == 1 && arguments[0] is { IsKnown: true, Node: JsonValue scalar }:
                    return ArmValue.Of(JsonValue.Create(
                        scalar.TryGetValue<string>(out var text1) ? text1
                        : scalar.TryGetValue<bool>(out var flag) ? (flag ? "True" : "False")
                        : scalar.ToJsonString()));
                case "bool" when Bool(arguments, 0) is { } b:
                    return ArmValue.Of(JsonValue.Create(b));
                default:
                    return ArmValue.Unknown;
            }
        }

        private static ArmValue Logical(List<ArmValue> arguments, bool all)
        {
            var unknown = false;
            foreach (var argument in arguments)
            {
                if (argument is { IsKnown: true, Node: JsonValue v } && v.TryGetValue<bool>(out var b))
                {
                    if (b != all)
                    {
                        return ArmValue.Of(JsonValue.Create(!all));
                    }
                }
                else
                {
                    unknown = true;
                }
            }

            return unknown ? ArmValue.Unknown : ArmValue.Of(JsonValue.Create(all));
        }

        private static string? String(List<ArmValue> arguments, int index) =>
            arguments.Count > index && arguments[index] is { IsKnown: true, Node: JsonValue v } && v.TryGetValue<string>(out var s) ? s : null;

        private static long? Long(List<ArmValue> arguments, int index) => arguments.Count > index ? arguments[index].AsLong : null;

        private static bool? Bool(List<ArmValue> arguments, int index)
        {
            if (arguments.Count <= index || arguments[index] is not { IsKnown: true, Node: JsonValue v })
            {
                return null;
            }

            if (v.TryGetValue<bool>(out var b))
            {
                return b;
            }

            return v.TryGetValue<string>(out var s) && bool.TryParse(s, out var parsed) ? parsed : null;
        }

        private string StringLiteral()
        {
            Expect('\'');
            var result = new StringBuilder();
            while (true)
            {
                if (_at >= text.Length)
                {
                    throw new FormatException("Unterminated string.");
                }

                var c = text[_at++];
                if (c == '\'')
                {
                    if (Peek() == '\'')
                    {
                        result.Append('\'');
                        _at++;
                        continue;
                    }

                    return result.ToString();
                }

                result.Append(c);
            }
        }

        private string Identifier()
        {
            var start = _at;
            while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] is '_' or '$'))
            {
                _at++;
            }

            return _at > start ? text[start.._at] : throw new FormatException($"Identifier expected at {start} in {text}.");
        }

        private void Expect(char c)
        {
            if (Peek() != c)
            {
                throw new FormatException($"'{c}' expected at {_at} in {text}.");
            }

            _at++;
        }

        private char Peek() => _at < text.Length ? text[_at] : '\0';

        private void SkipSpace()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }
    }
}

/// <summary>The result of evaluating a template value: known (a JSON value, possibly null) or unknown until deployment.</summary>
internal readonly record struct ArmValue(bool IsKnown, JsonNode? Node)
{
    public static ArmValue Unknown => new(false, null);

    public static ArmValue Of(JsonNode? node) => new(true, node);

    public string? AsString => IsKnown && Node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public bool? AsBool => IsKnown && Node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    public long? AsLong => IsKnown && Node is JsonValue v && v.TryGetValue<long>(out var l) ? l : IsKnown && Node is JsonValue w && w.TryGetValue<int>(out var i) ? i : null;

    public override string ToString() => IsKnown ? Node?.ToJsonString() ?? "null" : "<unknown>";
}
