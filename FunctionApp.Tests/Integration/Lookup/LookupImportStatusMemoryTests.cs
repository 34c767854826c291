using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.IdMap;
using FrontFunctions.Imports;
using FrontFunctions.Lookup;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.Tests.Integration.Outbound;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Integration.Lookup;

/// <summary>
/// Issue 12 (lookup p99): a mapped message's import status is read from the import table only when this instance does not
/// know it — <c>imported</c> is final, "not imported through the app" is trusted for <see cref="MapLookup.ImportStatusMemory"/>.
/// </summary>
public sealed class LookupImportStatusMemoryTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly RequestTimeline _timeline = new() { Latency = TimeSpan.Zero };
    private readonly FrontTestHost _host;
    private readonly string _channel = TestStorage.NewChannelId();

    public LookupImportStatusMemoryTests()
    {
        _host = FrontTestHost.Create(configure: services =>
        {
            services.AddSingleton<TimeProvider>(_time);
            var tables = new TableClientOptions();
            tables.AddPolicy(_timeline, HttpPipelinePosition.PerCall);
            services.AddSingleton(new TableServiceClient(TestStorage.ConnectionString, tables));
        });
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private MapLookup Lookup => _host.Get<MapLookup>();

    private int ImportReads => _timeline.Labels.Count(l => l.StartsWith($"GET {StorageNames.ImportsTable}/", StringComparison.Ordinal));

    private async Task MapAsync(string messageId, string externalId)
    {
        var map = _host.Get<IdMapStore>();
        await map.RecordConversationAsync(_channel, "cnv_1", ["t-1"]);
        await map.RecordMessageAsync(_channel, messageId, "cnv_1", externalId, messageUid: null);
    }

    private async Task<string?> StatusAsync(string externalId)
    {
        var answer = await Lookup.FindMessageAsync(_channel, externalId, null, CancellationToken.None);
        Assert.Equal(200, answer.StatusCode);
        var json = System.Text.Json.JsonSerializer.SerializeToElement(answer.Body, answer.Body!.GetType());
        Assert.Equal("cnv_1", json.GetProperty("conversation_id").GetString());
        return json.GetProperty("status").GetString();
    }

    private Task PutImportAsync(string externalId, string status) =>
        TestStorage.Tables().GetTableClient(StorageNames.ImportsTable).UpsertEntityAsync(new ImportEntity
        {
            PartitionKey = _channel,
            RowKey = ImportKeys.Import(externalId),
            ExternalId = externalId,
            Status = status,
            MessageUid = "uid-" + externalId,
        });

    [Fact]
    public async Task A_mapped_message_not_imported_through_the_app_skips_the_import_read_while_the_memory_is_young()
    {
        await MapAsync("msg_1", "e-1");
        Assert.Null(await StatusAsync("e-1"));
        Assert.Equal(1, ImportReads);

        _timeline.Reset();
        Assert.Null(await StatusAsync("e-1"));
        Assert.Equal(0, ImportReads); // one read fewer per lookup

        // An import of that external id made through the app afterwards (the edge the bound is for) shows once it has passed.
        await PutImportAsync("e-1", ImportStatus.Accepted);
        _time.Advance(MapLookup.ImportStatusMemory);
        _timeline.Reset();
        Assert.Equal(ImportStatus.Accepted, await StatusAsync("e-1"));
        Assert.Equal(1, ImportReads);
        Assert.Equal(ImportStatus.Accepted, await StatusAsync("e-1")); // not final: read every time
        Assert.Equal(2, ImportReads);
    }

    [Fact]
    public async Task Imported_is_final_and_never_read_again()
    {
        await PutImportAsync("e-2", ImportStatus.Imported);
        await MapAsync("msg_2", "e-2");
        Assert.Equal(ImportStatus.Imported, await StatusAsync("e-2"));

        _time.Advance(TimeSpan.FromHours(1));
        _timeline.Reset();
        Assert.Equal(ImportStatus.Imported, await StatusAsync("e-2"));
        var byFrontId = await Lookup.FindMessageAsync(_channel, null, "msg_2", CancellationToken.None);
        Assert.Contains("imported", System.Text.Json.JsonSerializer.Serialize(byFrontId.Body, byFrontId.Body!.GetType()), StringComparison.Ordinal);
        Assert.Equal(0, ImportReads);
    }

    [Fact]
    public async Task An_import_not_yet_mapped_is_read_every_time()
    {
        await PutImportAsync("e-3", ImportStatus.Accepted);
        for (var i = 0; i < 3; i++)
        {
            var answer = await Lookup.FindMessageAsync(_channel, "e-3", null, CancellationToken.None);
            Assert.Equal(200, answer.StatusCode);
        }

        Assert.Equal(3, ImportReads);
    }
}
