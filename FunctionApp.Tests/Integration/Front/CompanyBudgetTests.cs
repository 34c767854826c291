using System.Diagnostics;
using FrontFunctions.Front;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Tests.Integration.Front;

/// <summary>
/// Issue 22, point 1: a budget per Front company, against the simulator hosting several companies (each with its own limit
/// and its own host in links) and Azurite (the channel rows and bucket rows every instance shares).
/// </summary>
public sealed class CompanyBudgetTests : IAsyncLifetime
{
    private RunningFrontSimulator _front = null!;

    public async Task InitializeAsync()
    {
        await TestStorage.EnsureAppStorageAsync(); // the budget table, as the app creates it at start-up
        _front = await FrontSimulatorServer.StartAsync();
        await _front.Control.SetImportDelayAsync(TimeSpan.Zero);
        await _front.Control.SetCompanyRateLimitAsync("globex", 50);
        await _front.Control.SetCompanyRateLimitAsync("initech", 200);
    }

    public async Task DisposeAsync() => await _front.DisposeAsync();

    private FrontTestHost Instance(string budgetKey) => FrontTestHost.Create(
        settings: new Dictionary<string, string?>
        {
            ["Front:ApiBaseUrl"] = _front.BaseUrl.AbsoluteUri,
            ["Front:RequestsPerMinute"] = "50",
            ["Front:BurstPerSecond"] = "5",
            ["Front:SharedBudget:Enabled"] = "true",
            ["Front:SharedBudget:BudgetKey"] = budgetKey,
            ["Front:SharedBudget:LeaseTimeout"] = "00:00:10",
        },
        configure: services => services.AddHttpClient<FrontApiClient>()
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false }));

    /// <summary>A channel of <paramref name="company"/> with one imported message; returns the channel and the message's uid.</summary>
    private async Task<(string Channel, string Uid)> ChannelWithMessageAsync(string company)
    {
        var channel = TestStorage.NewChannelId();
        await _front.Control.CreateChannelAsync(channel, FrontTestHost.AppUid, FrontTestHost.AppSecret, null, company);
        var import = await _front.Control.ImportInboundAsync(channel, FrontTestHost.AppUid, FrontTestHost.AppSecret, "e/1", "c/1", "hello");
        Assert.Equal(202, import.StatusCode);
        return (channel, import.MessageUid!);
    }

    [Fact]
    public async Task A_channel_s_company_and_limit_are_learned_from_front_s_answer_and_shared_with_other_instances()
    {
        var key = "co-" + Guid.NewGuid().ToString("N")[..10];
        var (globex, uid) = await ChannelWithMessageAsync("globex");
        await using var first = Instance(key);
        var gate = first.Get<FrontRateGate>();
        Assert.Null(gate.CompanyOf(globex));

        await first.Get<FrontApiClient>().GetMessageByUidAsync(globex, uid);

        Assert.Equal("globex", gate.CompanyOf(globex));
        var snapshot = Assert.Single(gate.CompanySnapshots(), s => s.Company == "globex");
        Assert.Equal(50, snapshot.Usage.LimitPerMinute); // from x-ratelimit-limit, not from a setting

        // Another instance learns it from the channel row before any answer of its own.
        await using var second = Instance(key);
        Assert.Equal("globex", await second.Get<FrontRateGate>().WaitAsync(globex, CancellationToken.None));
        Assert.Equal(50, Assert.Single(second.Get<FrontRateGate>().CompanySnapshots(), s => s.Company == "globex").Usage.LimitPerMinute);
    }

    /// <summary>
    /// The first call of a channel whose company is not known yet goes through the unknown company's bucket; once its answer
    /// names the company, it is charged to the company's bucket as well. Before, it was counted in no bucket of its company:
    /// four instances draining a backlog drew 2 company 429s at the end of the company's first minute (`bench all`,
    /// 2026-12-07 02:53 UTC, `budget`: the unknown bucket's calls on top of a company bucket that started full).
    /// </summary>
    [Fact]
    public async Task A_call_made_before_its_company_was_known_is_charged_to_the_company_s_bucket()
    {
        var key = "co-" + Guid.NewGuid().ToString("N")[..10];
        var (globex, uid) = await ChannelWithMessageAsync("globex");
        await using var first = Instance(key);

        await first.Get<FrontApiClient>().GetMessageByUidAsync(globex, uid);

        Assert.Equal("globex", first.Get<FrontRateGate>().CompanyOf(globex));
        var budget = first.Get<SharedFrontBudget>();
        var row = await new Azure.Data.Tables.TableServiceClient(TestStorage.ConnectionString).GetTableClient(FrontFunctions.Storage.StorageNames.BudgetTable)
            .GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>(SharedFrontBudget.PartitionKey, budget.RowKey("globex"));
        Assert.True(row.HasValue, "globex's bucket has no row: the call was counted in no bucket of its company");
        Assert.Equal(budget.CapacityFor(50) - 1, row.Value!.GetDouble("Tokens")!.Value, precision: 6); // a new bucket is full, less the call
    }

    /// <summary>A backlog at globex's 50 rpm holds globex's calls; initech's call does not wait behind them.</summary>
    [Fact]
    public async Task A_backlog_in_one_company_does_not_hold_another_s_call()
    {
        var key = "co-" + Guid.NewGuid().ToString("N")[..10];
        var (globex, globexUid) = await ChannelWithMessageAsync("globex");
        var (initech, initechUid) = await ChannelWithMessageAsync("initech");
        await using var host = Instance(key);
        var client = host.Get<FrontApiClient>();
        await client.GetMessageByUidAsync(globex, globexUid);
        await client.GetMessageByUidAsync(initech, initechUid);

        using var stop = new CancellationTokenSource();
        var backlog = Enumerable.Range(0, 30).Select(_ => Task.Run(async () =>
        {
            try
            {
                await client.GetMessageByUidAsync(globex, globexUid, stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or FrontApiException)
            {
                // stopped by the test, or its total timeout spent while it queued: neither is what this test measures
            }
        })).ToList();
        try
        {
            await Task.Delay(500); // the backlog queues in globex's gate (30 calls at 50 rpm: over half a minute)
            var clock = Stopwatch.StartNew();
            await client.GetMessageByUidAsync(initech, initechUid).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"initech's call waited {clock.Elapsed.TotalSeconds:F1} s behind globex's backlog");
            Assert.True(backlog.Count(t => !t.IsCompleted) >= 10, "globex's backlog drained faster than its limit allows");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(backlog).WaitAsync(TimeSpan.FromSeconds(30));
        }

        var counters = await _front.Control.GetCountersAsync();
        Assert.Equal(0, counters.RateLimited.Company); // each company paced to its own limit
    }
}
