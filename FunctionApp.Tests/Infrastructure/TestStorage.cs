using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>
/// The Azurite that <c>scripts/test.sh</c> starts, reached through the <c>AzureWebJobsStorage</c> connection string it
/// exports. Tests that need storage fail loudly without it: they are never skipped.
/// </summary>
public static class TestStorage
{
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("AzureWebJobsStorage") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "AzureWebJobsStorage is not set: run the tests with scripts/test.sh, which starts Azurite and sets it.");

    public static QueueServiceClient Queues() =>
        new(ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public static TableServiceClient Tables() => new(ConnectionString);

    public static BlobServiceClient Blobs() => new(ConnectionString);

    /// <summary>A channel id no other test uses, so tests sharing tables never see each other's rows.</summary>
    public static string NewChannelId() => "cha_" + Guid.NewGuid().ToString("N")[..12];
}

/// <summary>
/// Tests that count messages on the shared ingest queue run one at a time in this collection.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SharedQueueCollection
{
    public const string Name = "Shared ingest queue";
}
