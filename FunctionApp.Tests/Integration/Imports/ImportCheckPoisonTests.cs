using System.Net;
using FrontFunctions.Imports;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Imports;

/// <summary>Issue 19 point 5 (imports part): an overdue check that fails its last dequeue leaves a failure row with its reason.</summary>
[Collection(SharedQueueCollection.Name)]
public sealed class ImportCheckPoisonTests : IAsyncDisposable
{
    private readonly FrontTestHost _host = FrontTestHost.Create();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_check_failing_at_its_last_dequeue_records_a_failure_row_and_earlier_ones_do_not()
    {
        var channelId = TestStorage.NewChannelId();
        var store = _host.Get<ImportStore>();
        var (reservation, _) = await store.ReserveAsync(channelId, new ImportDraft(true, "poisoned-check", "t"), TimeSpan.FromMinutes(5), CancellationToken.None);
        await store.AcceptAsync(reservation!, "uid-poison", CancellationToken.None);
        _host.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        var text = $$"""{"channel_id":"{{channelId}}","external_id":"poisoned-check","message_uid":"uid-poison"}""";
        var check = _host.Get<ImportCheck>();
        var failures = TestStorage.Tables().GetTableClient(StorageNames.FailuresTable);

        await Assert.ThrowsAsync<FrontFunctions.Front.FrontApiException>(() => check.RunAsync(text, dequeueCount: 1, CancellationToken.None));
        var none = failures.QueryAsync<Azure.Data.Tables.TableEntity>(r => r.PartitionKey == channelId);
        Assert.Empty(await ToListAsync(none));

        await Assert.ThrowsAsync<FrontFunctions.Front.FrontApiException>(() => check.RunAsync(text, dequeueCount: 5, CancellationToken.None));

        var row = Assert.Single(await ToListAsync(failures.QueryAsync<Azure.Data.Tables.TableEntity>(r => r.PartitionKey == channelId)));
        Assert.Equal((channelId, Operations.OperationsConsole.FailureIdOf(text).RowKey), (row.PartitionKey, row.RowKey)); // the console's re-queue finds it
        Assert.Contains("poisoned-check", row.GetString("Reason"), StringComparison.Ordinal);
        Assert.Contains("503", row.GetString("Reason"), StringComparison.Ordinal);
        Assert.Equal(ImportStatus.Accepted, (await store.GetAsync(channelId, "poisoned-check", CancellationToken.None))!.Status);
    }

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
