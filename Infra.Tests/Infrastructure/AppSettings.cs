using System.Text.Json.Nodes;

namespace FrontFunctions.Infra.Tests.Infrastructure;

/// <summary>One app setting of a function app as the compiled template writes it (value may be an ARM expression).</summary>
internal sealed record AppSetting(string Name, JsonNode? Value, ArmScope Scope)
{
    public string ValueText => ArmTemplate.TextOf(Value);

    /// <summary>
    /// The app settings wherever a template can put them: <c>Microsoft.Web/sites/config</c> named <c>appsettings</c>
    /// (an object of name → value) or <c>siteConfig.appSettings</c> of a site (an array of name/value pairs).
    /// </summary>
    public static IReadOnlyList<AppSetting> All(JsonObject root)
    {
        var settings = new List<AppSetting>();
        foreach (var config in ArmTemplate.OfType(root, "Microsoft.Web/sites/config"))
        {
            if (config.Name.Contains("appsettings", StringComparison.OrdinalIgnoreCase) && config.Properties is { } properties)
            {
                settings.AddRange(properties.Select(p => new AppSetting(p.Key, p.Value, config.Scope)));
            }
        }

        foreach (var site in ArmTemplate.OfType(root, "Microsoft.Web/sites"))
        {
            if (site.Properties?["siteConfig"]?["appSettings"] is JsonArray pairs)
            {
                settings.AddRange(pairs.OfType<JsonObject>()
                    .Select(p => new AppSetting(p["name"]!.GetValue<string>(), p["value"], site.Scope)));
            }
        }

        return settings;
    }
}
