using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using FrontFunctions.Storage;

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

    /// <summary>
    /// A table client that refuses what Azure refuses and Azurite does not (<see cref="AzureTableLimits"/>: property and
    /// entity sizes, property count, key characters and lengths), so a test on it fails where Azure would.
    /// </summary>
    public static TableServiceClient LimitedTables() => new(ConnectionString, AzureTableLimits.Options());

    public static BlobServiceClient Blobs() => new(ConnectionString);

    private static readonly Lazy<Task> Created = new(() => new StorageInitializer(Queues(), Tables(), Blobs()).EnsureCreatedAsync(CancellationToken.None));

    /// <summary>
    /// Creates the app's queues, tables and container in the test Azurite, once per test run: the app never creates storage
    /// in a write path (Bicep creates it in Azure, the local host at start-up), so every fixture that reaches storage
    /// without the local host (<see cref="FrontTestHost"/>, stores built by hand) calls this first.
    /// </summary>
    public static Task EnsureAppStorageAsync() => Created.Value;

    /// <summary><see cref="EnsureAppStorageAsync"/> for constructors.</summary>
    public static void EnsureAppStorage() => EnsureAppStorageAsync().GetAwaiter().GetResult();

    /// <summary>A channel id no other test uses, so tests sharing tables never see each other's rows.</summary>
    public static string NewChannelId() => "cha_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// The first message on <c>front-ingest-poison</c> whose text satisfies <paramref name="match"/>, polled until
    /// <paramref name="deadline"/>; null when none came. Peek sees the oldest 32 only, so messages of other tests are
    /// received (hidden for a while, not deleted) to look further.
    /// </summary>
    public static async Task<string?> FindPoisonMessageAsync(Func<string, bool> match, TimeSpan deadline)
    {
        var poison = Queues().GetQueueClient(StorageNames.IngestPoisonQueue);
        var until = DateTime.UtcNow + deadline;
        while (DateTime.UtcNow < until)
        {
            var received = 0;
            if ((await poison.ExistsAsync()).Value)
            {
                if ((await poison.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).FirstOrDefault(match) is { } peeked)
                {
                    return peeked;
                }

                var taken = (await poison.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value;
                if (taken.Select(m => m.Body.ToString()).FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                received = taken.Length;
            }

            if (received == 0)
            {
                await Task.Delay(100);
            }
        }

        return null;
    }
}

/// <summary>
/// Tests that count messages on the shared ingest queue run one at a time in this collection.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SharedQueueCollection
{
    public const string Name = "Shared ingest queue";
}
