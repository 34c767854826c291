using System.Net;
using FrontFunctions.Imports;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Imports;

/// <summary>Imports the operator must decide on: a reservation whose request died is listed as unknown. (A poisoned overdue check's failure row: PoisonRetentionTests.)</summary>
[Collection(SharedQueueCollection.Name)]
public sealed class ImportCheckPoisonTests : IAsyncDisposable
{
    private readonly FrontTestHost _host = FrontTestHost.Create();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_reservation_whose_request_died_is_listed_as_unknown_for_the_operator_and_never_sent_again()
    {
        var channelId = TestStorage.NewChannelId();
        var table = TestStorage.Tables().GetTableClient(StorageNames.ImportsTable);
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new ImportEntity
        {
            PartitionKey = channelId,
            RowKey = ImportKeys.Import("died-1"),
            Status = ImportStatus.Sending,
            Inbound = true,
            ExternalId = "died-1",
            ReservationId = "dead-request",
            ReservedAt = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(6), // the default lease is 5 minutes
        });

        var listed = await _host.Get<UnknownImports>().ListAsync(channelId, CancellationToken.None);

        var item = Assert.Single(listed.Imports);
        Assert.Equal("died-1", item.ExternalId);
        Assert.False(item.BodyKept); // the dead request's body is gone: the console says so instead of offering send again
        Assert.Equal(ImportStatus.Unknown, (await _host.Get<ImportStore>().GetAsync(channelId, "died-1", CancellationToken.None))!.Status);
        var (reservation, existing) = await _host.Get<ImportStore>().ReserveAsync(channelId, new ImportDraft(true, "died-1", "t"), TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.Null(reservation);
        Assert.Equal(ImportStatus.Unknown, existing!.Status);
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
