using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Storage;

/// <summary>
/// Registers the queue, table and blob clients from the same <c>AzureWebJobsStorage</c> setting the Functions host reads,
/// in either of its two shapes:
/// <list type="bullet">
/// <item>a connection string (<c>AzureWebJobsStorage=UseDevelopmentStorage=true</c> for Azurite, or an account key string);</item>
/// <item>identity-based: <c>AzureWebJobsStorage__accountName</c>, or <c>__queueServiceUri</c> / <c>__tableServiceUri</c> /
/// <c>__blobServiceUri</c>, with <c>__credential=managedidentity</c> and <c>__clientId</c> for a user-assigned identity.
/// The clients then use <see cref="DefaultAzureCredential"/>.</item>
/// </list>
/// </summary>
public static class StorageClientRegistration
{
    public const string SettingName = "AzureWebJobsStorage";

    public static IServiceCollection AddStorageClients(this IServiceCollection services, IConfiguration configuration)
    {
        var endpoints = StorageEndpoints.From(configuration.GetSection(SettingName));
        services.AddSingleton(endpoints);
        services.AddAzureClients(clients =>
        {
            if (endpoints.ConnectionString is { } connectionString)
            {
                clients.AddQueueServiceClient(connectionString).ConfigureOptions(ConfigureQueue);
                clients.AddTableServiceClient(connectionString).ConfigureOptions(o => ConfigureRetry(o));
                clients.AddBlobServiceClient(connectionString).ConfigureOptions(o => ConfigureRetry(o));
            }
            else
            {
                clients.AddQueueServiceClient(endpoints.QueueServiceUri!).ConfigureOptions(ConfigureQueue);
                clients.AddTableServiceClient(endpoints.TableServiceUri!).ConfigureOptions(o => ConfigureRetry(o));
                clients.AddBlobServiceClient(endpoints.BlobServiceUri!).ConfigureOptions(o => ConfigureRetry(o));
                clients.UseCredential(new DefaultAzureCredential(new DefaultAzureCredentialOptions
                {
                    ManagedIdentityClientId = endpoints.ManagedIdentityClientId,
                }));
            }
        });
        return services;
    }

    // The Functions queue trigger expects Base64 message text; Azure.Storage.Queues v12 does not encode by default,
    // and a plain-text message would go silently to the poison queue (azure-sdk-for-net#21449).
    private static void ConfigureQueue(QueueClientOptions options)
    {
        options.MessageEncoding = QueueMessageEncoding.Base64;
        ConfigureRetry(options);
    }

    // Front waits about 7 s for a webhook answer: give up on storage well before that and answer 503, so Front retries.
    // (The SDK default is 3 retries from 0.8 s with a 100 s network timeout.)
    private static void ConfigureRetry(Azure.Core.ClientOptions options)
    {
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(1);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(2);
    }
}

/// <summary>The storage endpoints read from <c>AzureWebJobsStorage</c>; exactly one of the two shapes is set.</summary>
public sealed record StorageEndpoints(
    string? ConnectionString,
    Uri? QueueServiceUri,
    Uri? TableServiceUri,
    Uri? BlobServiceUri,
    string? ManagedIdentityClientId)
{
    public static StorageEndpoints From(IConfigurationSection section)
    {
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            return new StorageEndpoints(section.Value, null, null, null, null);
        }

        var clientId = section["clientId"];
        var accountName = section["accountName"];
        Uri? Service(string key, string kind) =>
            section[key] is { Length: > 0 } uri ? new Uri(uri)
            : accountName is { Length: > 0 } ? new Uri($"https://{accountName}.{kind}.core.windows.net")
            : null;

        var queue = Service("queueServiceUri", "queue");
        var table = Service("tableServiceUri", "table");
        var blob = Service("blobServiceUri", "blob");
        if (queue is null || table is null || blob is null)
        {
            throw new InvalidOperationException(
                "AzureWebJobsStorage is not set: give a connection string (UseDevelopmentStorage=true for Azurite), " +
                "or AzureWebJobsStorage__accountName (or __queueServiceUri, __tableServiceUri and __blobServiceUri) for a managed identity.");
        }

        return new StorageEndpoints(null, queue, table, blob, string.IsNullOrWhiteSpace(clientId) ? null : clientId);
    }
}
