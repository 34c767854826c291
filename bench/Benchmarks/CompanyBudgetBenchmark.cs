using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using FrontFunctions.Front;
using FrontSimulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 22, point 1: one deployment, three Front companies at 50, 100 and 200 requests/minute (the simulator's per-company
/// limits, each with its own link host), four instances of the app (in-process: each its own service container, gate and
/// Front client, sharing the budget rows in Azurite, as separate Functions instances do). Phase 1: a backlog in every
/// company (8 callers per company per instance, reading a message again and again) — goals: each company ≥ 90 % of its own
/// limit, ≤ 1 429/min each. Phase 2: a light probe in the 200-rpm company (one call a second from one instance) alone, then
/// beside a backlog in the 50-rpm company — goal: its p99 with the backlog ≤ 1.5× its p99 without (20 ms floor for noise).
/// </summary>
public static class CompanyBudgetBenchmark
{
    private static readonly (string Name, int Limit)[] Companies = [("globex", 50), ("initech", 100), ("umbrella", 200)];
    private const int Instances = 4;
    private const int CallersPerCompany = 8;

    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int windowSeconds, int warmupSeconds, int probeSeconds)
    {
        await using var front = await FrontSimulatorServer.StartAsync();
        var control = front.Control;
        await control.SetImportDelayAsync(TimeSpan.Zero);
        var targets = new Dictionary<string, (string Channel, string Uid)>();
        foreach (var (name, limit) in Companies)
        {
            await control.SetCompanyRateLimitAsync(name, limit);
            var channel = $"cha_{name}{Guid.NewGuid():N}"[..20];
            await control.CreateChannelAsync(channel, EndToEndRig.AppUid, EndToEndRig.AppSecret, null, name);
            var import = await control.ImportInboundAsync(channel, EndToEndRig.AppUid, EndToEndRig.AppSecret, $"{name}/m", $"{name}/c", "backlog");
            targets[name] = (channel, import.MessageUid ?? throw new InvalidOperationException("the simulator refused the import"));
        }

        await control.SetRateLimitAsync(100, 5); // the default company and the burst limit per channel
        var budgetKey = "bench-co-" + Guid.NewGuid().ToString("N")[..8];
        // The app's storage as its start-up creates it (these instances are service providers, not hosts).
        await new FrontFunctions.Storage.StorageInitializer(new Azure.Storage.Queues.QueueServiceClient(storage), new Azure.Data.Tables.TableServiceClient(storage), new Azure.Storage.Blobs.BlobServiceClient(storage)).EnsureCreatedAsync(CancellationToken.None);
        var instances = Enumerable.Range(0, Instances).Select(_ => Instance(storage, front.BaseUrl, budgetKey)).ToList();
        try
        {
            var clients = instances.Select(p => p.GetRequiredService<FrontApiClient>()).ToList();

            // One call per channel and instance first: the answer names the channel's company (and its limit). In a
            // deployment this happens once per channel (the channel row then tells every instance); without it the first
            // backlog queues in the shared "unknown company" gate, at its conservative pace, for minutes.
            foreach (var client in clients)
            {
                foreach (var (channel, uid) in targets.Values)
                {
                    await client.GetMessageByUidAsync(channel, uid);
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(61)); // the windows these calls opened end, so each company starts fresh
            Console.WriteLine($"{Instances} in-process instances, companies {string.Join(", ", Companies.Select(c => $"{c.Name} {c.Limit} rpm"))}; burst 5/s per channel");

            // Phase 1: a backlog in every company.
            using var stopAll = new CancellationTokenSource();
            var backlog = Companies.SelectMany(c => Backlog(clients, targets[c.Name], stopAll.Token)).ToList();
            await Task.Delay(TimeSpan.FromSeconds(warmupSeconds));
            var start = await control.GetCountersAsync();
            var window = Stopwatch.StartNew();
            while (window.Elapsed < TimeSpan.FromSeconds(windowSeconds))
            {
                await Task.Delay(TimeSpan.FromSeconds(10));
                var now = await control.GetCountersAsync();
                Console.WriteLine($"  +{window.Elapsed.TotalSeconds,3:F0} s: " + string.Join("; ", Companies.Select(c =>
                    $"{c.Name} 2xx {Count(now, c.Name, "200") - Count(start, c.Name, "200")}, 429 {Count(now, c.Name, "429") - Count(start, c.Name, "429")}")));
            }

            var end = await control.GetCountersAsync();
            var minutes = window.Elapsed.TotalMinutes;
            await stopAll.CancelAsync();
            await Task.WhenAll(backlog);

            var goals = new Goals();
            foreach (var (name, limit) in Companies)
            {
                var ok = Count(end, name, "200") - Count(start, name, "200");
                var throttled = Count(end, name, "429") - Count(start, name, "429");
                goals.Absolute($"{name} ({limit} rpm), backlog in all 3 companies, 4 instances: share of its limit used", ok / minutes / limit * 100, "%", atLeast: true, 90,
                    detail: $"{Goal.F(ok / minutes, "F1")} calls 2xx/min");
                goals.Absolute($"{name} ({limit} rpm): Front 429s per minute", throttled / minutes, "429/min", atLeast: false, 1);
            }

            // Phase 2: umbrella's light load alone, then beside a backlog in globex.
            await Task.Delay(TimeSpan.FromSeconds(5)); // the windows the backlog filled roll over
            var alone = await ProbeAsync(clients[0], targets["umbrella"], probeSeconds);
            using var stopGlobex = new CancellationTokenSource();
            var globexBacklog = Backlog(clients, targets["globex"], stopGlobex.Token).ToList();
            await Task.Delay(TimeSpan.FromSeconds(3));
            var beside = await ProbeAsync(clients[0], targets["umbrella"], probeSeconds);
            await stopGlobex.CancelAsync();
            await Task.WhenAll(globexBacklog);
            Console.WriteLine($"umbrella probe alone: p50 {Goal.F(alone.P50, "F1")} ms, p99 {Goal.F(alone.P99, "F1")} ms; beside globex's backlog: p50 {Goal.F(beside.P50, "F1")} ms, p99 {Goal.F(beside.P99, "F1")} ms");
            goals.Ratio("umbrella probe p99 beside a backlog in globex", Math.Max(beside.P99, 20), Math.Max(alone.P99, 20), "ms", "umbrella probe p99 alone", atLeast: false, 1.5,
                detail: $"{alone.Count}/{beside.Count} probes, 1/s; p50 {Goal.F(alone.P50, "F1")} → {Goal.F(beside.P50, "F1")} ms; 20 ms floor");
            Console.WriteLine($"cores {Environment.ProcessorCount}; machine shared with other work: figures are lower bounds");
            return goals.Results;
        }
        finally
        {
            foreach (var provider in instances)
            {
                await provider.DisposeAsync();
            }
        }
    }

    /// <summary>One instance of the app: its own service container (gate, budget, Front client) on the shared Azurite.</summary>
    private static ServiceProvider Instance(string storage, Uri frontBaseUrl, string budgetKey)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Front:ApiBaseUrl"] = frontBaseUrl.AbsoluteUri,
            ["Front:AppUid"] = EndToEndRig.AppUid,
            ["Front:AppSecret"] = EndToEndRig.AppSecret,
            ["Front:PublicBaseUrl"] = "http://127.0.0.1/",
            ["Front:RequestsPerMinute"] = "50", // only until Front's answers name each channel's company and limit
            ["Front:BurstPerSecond"] = "5",
            ["Front:MaxRetries"] = "4",
            ["Front:SharedBudget:Enabled"] = "true",
            ["Front:SharedBudget:BudgetKey"] = budgetKey,
            ["Front:SharedBudget:MaximumInstanceCount"] = "1",
            ["Logging:LogLevel:Default"] = "Warning",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddFrontFunctions(configuration);
        return services.BuildServiceProvider();
    }

    /// <summary>Every instance runs <see cref="CallersPerCompany"/> callers that read the company's message until stopped.</summary>
    private static IEnumerable<Task> Backlog(List<FrontApiClient> clients, (string Channel, string Uid) target, CancellationToken stop) =>
        clients.SelectMany(client => Enumerable.Range(0, CallersPerCompany).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await client.GetMessageByUidAsync(target.Channel, target.Uid, stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
                catch (FrontApiException)
                {
                }
            }
        })));

    private static async Task<LatencyRecorder.Result> ProbeAsync(FrontApiClient client, (string Channel, string Uid) target, int seconds)
    {
        var latencies = new ConcurrentBag<double>();
        var failures = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < seconds; i++)
        {
            var call = Stopwatch.StartNew();
            try
            {
                await client.GetMessageByUidAsync(target.Channel, target.Uid);
                latencies.Add(call.Elapsed.TotalMilliseconds);
            }
            catch (FrontApiException)
            {
                failures++;
            }

            var next = TimeSpan.FromSeconds(i + 1) - clock.Elapsed;
            if (next > TimeSpan.Zero)
            {
                await Task.Delay(next);
            }
        }

        return new LatencyRecorder.Result("probe", latencies.Count, 1, clock.Elapsed, [.. latencies.Order()], failures);
    }

    private static long Count(FrontSimulator.Control.SimulatorCounters counters, string company, string status) =>
        counters.ByCompany.TryGetValue(company, out var byStatus) ? byStatus.GetValueOrDefault(status) : 0;
}
