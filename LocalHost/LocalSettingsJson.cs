using System.Text.Json;

namespace FrontFunctions.LocalHost;

/// <summary>Reads the <c>Values</c> of a Functions <c>local.settings.json</c>, so both hosts share one settings file.</summary>
internal static class LocalSettingsJson
{
    public static IConfigurationBuilder AddLocalSettingsJson(this IConfigurationBuilder configuration, string path)
    {
        if (!File.Exists(path))
        {
            return configuration;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        if (!document.RootElement.TryGetProperty("Values", out var values) || values.ValueKind != JsonValueKind.Object)
        {
            return configuration;
        }

        // App settings use "__" for sections (Front__AppSecret); configuration keys use ":".
        var settings = values.EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is { Length: > 0 })
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => p.Value.GetString());
        return configuration.AddInMemoryCollection(settings);
    }
}
