using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using FrontFunctions.Failures;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Tests.Integration.Console;

/// <summary>
/// The failures list is read through the failure index (issue 22 point 3: by key, newest first), not by scanning
/// <c>FrontDeliveryFailures</c>: a failure recorded again is listed once, with its latest time, and the entry it replaced
/// is removed when met; a failure row nobody indexed is not found by a scan.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class ConsoleFailureIndexTests : IAsyncLifetime
{
    private RunningLocalHost _host = null!;

    public async Task InitializeAsync() => _host = await RunningLocalHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Failures_are_listed_newest_first_once_each_and_replaced_entries_are_removed()
    {
        var channel = TestStorage.NewChannelId();
        var failures = _host.Services.GetRequiredService<DeliveryFailures>();
        foreach (var delivery in new[] { "first", "second", "third" })
        {
            await failures.RecordAsync(channel, "ingest:" + delivery, "msg_" + delivery, "Front answered 401", 5, "{}", permanent: true, CancellationToken.None);
        }

        await failures.RecordAsync(channel, "ingest:first", "msg_first", "Front answered 401 again", 5, "{}", permanent: true, CancellationToken.None);
        // A row written around the app (no index entry): the console finds rows by key only, so it is not listed.
        await TestStorage.Tables().GetTableClient(StorageNames.FailuresTable).UpsertEntityAsync(
            new TableEntity(channel, "unindexed") { ["MessageId"] = "msg_unindexed", ["Reason"] = "x", ["FailedAt"] = DateTimeOffset.UtcNow });

        var listed = await ListAsync($"api/console/failures?channel_id={channel}");
        Assert.Equal(["msg_first", "msg_third", "msg_second"], listed.Select(f => f.GetProperty("message_id").GetString()));
        Assert.Equal("Front answered 401 again", listed[0].GetProperty("reason").GetString());
        var times = listed.Select(f => f.GetProperty("failed_at").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderDescending(), times);
        Assert.Contains(await ListAsync("api/console/failures"), f => f.GetProperty("message_id").GetString() == "msg_first");

        // The first failure's earlier entry was met and removed: the channel's index holds one entry per open failure.
        var index = TestStorage.Tables().GetTableClient(StorageNames.ConsoleTable);
        var entries = 0;
        await foreach (var _ in index.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"f|" + channel}")))
        {
            entries++;
        }

        Assert.Equal(3, entries);
    }

    private async Task<List<JsonElement>> ListAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await _host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. body.RootElement.GetProperty("failures").EnumerateArray().Select(f => f.Clone())];
    }
}
