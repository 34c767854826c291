using Microsoft.Azure.WebJobs.Host;

namespace FrontFunctions.LocalHost;

/// <summary>
/// Runs the queue-triggered functions with the WebJobs SDK storage-queue extension, the listener the Functions host
/// itself uses: the same polling, batch, visibility and dequeue-count behaviour, the same <c>-poison</c> queue.
/// Its settings come from host.json's <c>extensions.queues</c>, as on the Functions host.
/// </summary>
internal static class QueueListener
{
    public static void AddQueueListener(this ConfigureHostBuilder host, IConfiguration configuration)
    {
        host.ConfigureWebJobs(webJobs => webJobs.AddAzureStorageQueues(options =>
            configuration.GetSection(HostJson.Prefix + ":extensions:queues").Bind(options)));
    }
}

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
