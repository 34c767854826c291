using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace FrontFunctions.Storage;

/// <summary>
/// Creates the queues, tables and container the app uses, once per process. Called at start-up only, never in a write path:
/// through <see cref="StorageAtStartup"/> (the local host; the Functions worker with <c>Storage__CreateAtStartup</c>) and by the test fixtures, because Azurite starts empty. In Azure the
/// Bicep template creates the same names (<c>infra/modules/storage.bicep</c>, pinned by <c>Infra.Tests</c>), so the app
/// needs no right to create anything. A failed attempt is forgotten so the next call tries again.
/// </summary>
public sealed class StorageInitializer(QueueServiceClient queues, TableServiceClient tables, BlobServiceClient blobs)
{
    private readonly Lock _gate = new();
    private Task? _created;

    public Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_created is null || _created.IsFaulted || _created.IsCanceled)
            {
                _created = CreateAsync();
            }

            return _created.WaitAsync(cancellationToken);
        }
    }

    private async Task CreateAsync()
    {
        await Task.WhenAll(
            queues.GetQueueClient(StorageNames.IngestQueue).CreateIfNotExistsAsync(),
            queues.GetQueueClient(StorageNames.IngestPoisonQueue).CreateIfNotExistsAsync(),
            queues.GetQueueClient(StorageNames.OutboundQueue).CreateIfNotExistsAsync(),
            queues.GetQueueClient(StorageNames.OutboundPoisonQueue).CreateIfNotExistsAsync(),
            tables.GetTableClient(StorageNames.ChannelsTable).CreateIfNotExistsAsync(),
            tables.GetTableClient(StorageNames.IdMapTable).CreateIfNotExistsAsync(),
            tables.GetTableClient(StorageNames.FailuresTable).CreateIfNotExistsAsync(),
            tables.GetTableClient(StorageNames.ImportsTable).CreateIfNotExistsAsync(),
            tables.GetTableClient(StorageNames.SeenSignaturesTable).CreateIfNotExistsAsync(),
            tables.GetTableClient(StorageNames.BudgetTable).CreateIfNotExistsAsync(),
            tables.GetTableClient(StorageNames.ConsoleTable).CreateIfNotExistsAsync(),
            tables.GetTableClient(StorageNames.SeenMarksTable).CreateIfNotExistsAsync(),
            queues.GetQueueClient(StorageNames.ImportCheckQueue).CreateIfNotExistsAsync(),
            queues.GetQueueClient(StorageNames.ImportCheckPoisonQueue).CreateIfNotExistsAsync(),
            blobs.GetBlobContainerClient(StorageNames.PayloadContainer).CreateIfNotExistsAsync()).ConfigureAwait(false);
    }
}
