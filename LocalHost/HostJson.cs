namespace FrontFunctions.LocalHost;

/// <summary>host.json as configuration under <c>AzureFunctionsJobHost</c>, the prefix the Functions host gives it.</summary>
internal static class HostJson
{
    public const string Prefix = "AzureFunctionsJobHost";

    public static IConfigurationBuilder AddHostJson(this IConfigurationBuilder configuration, string path)
    {
        if (!File.Exists(path))
        {
            return configuration;
        }

        var hostJson = new ConfigurationBuilder().AddJsonFile(path, optional: false).Build();
        return configuration.AddInMemoryCollection(hostJson.AsEnumerable()
            .Where(pair => pair.Value is not null)
            .Select(pair => new KeyValuePair<string, string?>($"{Prefix}:{pair.Key}", pair.Value)));
    }
}
