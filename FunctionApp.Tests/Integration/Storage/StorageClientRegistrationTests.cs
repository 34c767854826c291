using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Tests.Integration.Storage;

/// <summary>Both shapes of <c>AzureWebJobsStorage</c> the Functions host accepts produce working, correctly aimed clients.</summary>
public sealed class StorageClientRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddStorageClients(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();

    [Fact]
    public async Task Connection_string_shape_reaches_azurite_with_base64_queue_messages()
    {
        using var services = Build(new() { ["AzureWebJobsStorage"] = TestStorage.ConnectionString });
        var queue = services.GetRequiredService<QueueServiceClient>().GetQueueClient("registration-" + Guid.NewGuid().ToString("N")[..8]);
        await queue.CreateAsync();
        try
        {
            await queue.SendMessageAsync("{\"hello\":1}");

            // What the Functions queue trigger reads: Base64 text on the wire.
            var raw = new QueueClient(TestStorage.ConnectionString, queue.Name);
            var stored = (await raw.PeekMessagesAsync(1)).Value.Single().Body.ToString();
            Assert.Equal("{\"hello\":1}", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(stored)));
        }
        finally
        {
            await queue.DeleteAsync();
        }

        var table = services.GetRequiredService<TableServiceClient>().GetTableClient("registration" + Guid.NewGuid().ToString("N")[..8]);
        await table.CreateAsync();
        await table.AddEntityAsync(new TableEntity("p", "r"));
        Assert.True((await table.GetEntityIfExistsAsync<TableEntity>("p", "r")).HasValue);
        await table.DeleteAsync();

        var container = services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient("registration-" + Guid.NewGuid().ToString("N")[..8]);
        await container.CreateAsync();
        await container.DeleteAsync();
    }

    [Fact]
    public void Identity_shape_with_an_account_name_aims_every_client_at_that_account()
    {
        using var services = Build(new()
        {
            ["AzureWebJobsStorage:accountName"] = "frontfuncstore",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
            ["AzureWebJobsStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
        });

        Assert.Equal(new Uri("https://frontfuncstore.queue.core.windows.net"), services.GetRequiredService<QueueServiceClient>().Uri);
        Assert.Equal(new Uri("https://frontfuncstore.table.core.windows.net"), services.GetRequiredService<TableServiceClient>().Uri);
        Assert.Equal(new Uri("https://frontfuncstore.blob.core.windows.net"), services.GetRequiredService<BlobServiceClient>().Uri);
        var endpoints = services.GetRequiredService<StorageEndpoints>();
        Assert.Null(endpoints.ConnectionString);
        Assert.Equal("00000000-0000-0000-0000-000000000001", endpoints.ManagedIdentityClientId);
    }

    [Fact]
    public void Identity_shape_with_service_uris_uses_them_as_given()
    {
        using var services = Build(new()
        {
            ["AzureWebJobsStorage:queueServiceUri"] = "https://q.example.net",
            ["AzureWebJobsStorage:tableServiceUri"] = "https://t.example.net",
            ["AzureWebJobsStorage:blobServiceUri"] = "https://b.example.net",
            ["AzureWebJobsStorage:credential"] = "managedidentity",
        });

        Assert.Equal(new Uri("https://q.example.net"), services.GetRequiredService<QueueServiceClient>().Uri);
        Assert.Equal(new Uri("https://t.example.net"), services.GetRequiredService<TableServiceClient>().Uri);
        Assert.Equal(new Uri("https://b.example.net"), services.GetRequiredService<BlobServiceClient>().Uri);
    }

    [Fact]
    public void Missing_storage_setting_names_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(new()));

        Assert.Contains("AzureWebJobsStorage", error.Message);
    }
}
