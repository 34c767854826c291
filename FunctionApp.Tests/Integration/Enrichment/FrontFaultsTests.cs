using Azure.Data.Tables;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator.Control;

namespace FrontFunctions.Tests.Integration.Enrichment;

/// <summary>
/// 429s and 5xx from Front delay enrichment but lose nothing: with notifications that carry no metadata (so every
/// message needs Front calls) and faults injected into exactly those calls, every message still ends mapped, nothing is
/// recorded as failed, and the simulator's counters prove the faults were really answered to the app.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class FrontFaultsTests
{
    [Fact]
    public async Task Rate_limits_and_server_errors_delay_but_lose_nothing()
    {
        await using var pipeline = await EnrichmentPipeline.StartAsync(new Dictionary<string, string?>
        {
            ["Front:RetryBaseDelay"] = "00:00:00.200", // the default 1 s base backoff only makes the test slower
        });
        await pipeline.Sim.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = false, IncludeMessageUid = false });
        // The imports finish before any message exists, so the faults set afterwards hit the app's calls, not the imports.
        await pipeline.Sim.SetImportDelayAsync(TimeSpan.FromMilliseconds(1500));

        const int count = 8;
        for (var i = 0; i < count; i++)
        {
            await pipeline.ImportAsync($"fault-{i}", $"fault-thread-{i % 2}");
        }

        // The first app calls: 3 burst 429s, then server errors only until some have been answered, then 30 % errors.
        await pipeline.Sim.SetFaultsAsync(new FaultSettings { Burst429 = 3, ErrorRate = 1.0 });
        await pipeline.WaitAsync(async () => (await pipeline.Sim.GetCountersAsync()).Faults.ErrorsInjected >= 3, "the first injected server errors", TimeSpan.FromSeconds(15));
        await pipeline.Sim.SetFaultsAsync(new FaultSettings { ErrorRate = 0.3 });

        var snapshot = await pipeline.WaitCreatedAsync(count);
        await pipeline.AssertMapMatchesAsync(snapshot);

        var counters = await pipeline.Sim.GetCountersAsync();
        Assert.True(counters.RateLimited.Injected >= 3, $"injected 429s: {counters.RateLimited.Injected}");
        Assert.True(counters.Faults.ErrorsInjected >= 3, $"injected errors: {counters.Faults.ErrorsInjected}");
        long AppCalls(Func<string, bool> status) =>
            EnrichmentPipeline.Calls(counters, EnrichmentPipeline.GetMessageRoute, status)
            + EnrichmentPipeline.Calls(counters, EnrichmentPipeline.GetConversationRoute, status);
        Assert.True(AppCalls(s => s == "429") >= 3, "the app's own calls were answered 429");
        Assert.True(AppCalls(s => s is "500" or "502" or "503") >= 3, "the app's own calls were answered 5xx");
        Assert.True(AppCalls(s => s == "200") >= count, "every message was eventually read from Front");

        // Nothing was given up on.
        var failures = TestStorage.Tables().GetTableClient(StorageNames.FailuresTable);
        var failed = new List<string>();
        await foreach (var row in failures.QueryAsync<TableEntity>(e => e.PartitionKey == pipeline.ChannelId))
        {
            failed.Add($"{row.RowKey}: {row.GetString("Reason")}");
        }

        Assert.Empty(failed);
    }
}
