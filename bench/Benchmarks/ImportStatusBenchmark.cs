using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using FrontSimulator.Control;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 11, import API → <c>imported</c>: from sending <c>POST /api/channels/{id}/inbound_messages</c> to the local host to
/// the first lookup answer showing <c>"status":"imported"</c> for that external id. No rate limit (simulator 100000 rpm /
/// burst 100000; app 100000 rpm / burst 1000), the simulator's notification delay at zero (its import delay — the time
/// "Front" takes to create the message — stays at its default and is printed). Messages are imported at a fixed rate, each in
/// its own conversation; a poller per message asks every <c>PollMs</c>. Goal: p50 ≤ 1 s.
/// </summary>
public static class ImportStatusBenchmark
{
    private const int PollMs = 10;

    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int messages, int perSecond)
    {
        await using var rig = await EndToEndRig.StartAsync(storage, appRequestsPerMinute: 100_000, appBurstPerSecond: 1_000, recordArrivals: false);
        await rig.Control.SetRateLimitAsync(100_000, 100_000);
        await rig.Control.SetNotificationsAsync(new NotificationSettings { DelayMs = 0 });
        var settings = await rig.Control.GetSettingsAsync();
        Console.WriteLine($"simulator delays: import {settings.ImportDelayMs} ms (part of the measured time), notification {settings.Notifications.DelayMs} ms");

        const string channelId = "cha_bench_imports";
        await rig.CreateChannelAsync(channelId);
        await rig.AuthorizeAsync(channelId);
        await MeasureAsync(rig, channelId, "warm", 5, 5); // JIT, connections, tables, queue listener
        var (latencies, failures) = await MeasureAsync(rig, channelId, "run", messages, perSecond);
        var sorted = latencies.Order().ToArray();
        Console.WriteLine($"{sorted.Length} of {messages} measured ({failures} not imported within 20 s); import POST → lookup status imported: " +
            $"min {sorted.FirstOrDefault():F0} ms, p50 {P(sorted, 0.50):F0} ms, p90 {P(sorted, 0.90):F0} ms, p99 {P(sorted, 0.99):F0} ms, max {sorted.LastOrDefault():F0} ms (poll every {PollMs} ms)");
        var counters = await rig.Control.GetCountersAsync();
        Console.WriteLine($"Front API requests: {FrontReadCounts.Describe(counters)}");
        Console.WriteLine($"app warnings/errors: {rig.Warnings.Summary()}");
        var goals = new Goals();
        goals.Absolute("import API POST → lookup status imported, p50", P(sorted, 0.50), "ms", atLeast: false, 1000, failures == 0,
            $"p99 {Goal.F(P(sorted, 0.99), "F0")} ms; {failures} not imported within 20 s");
        return goals.Results;
    }

    private static async Task<(double[] Latencies, int Failures)> MeasureAsync(EndToEndRig rig, string channelId, string label, int messages, int perSecond)
    {
        var latencies = new ConcurrentBag<double>();
        var failures = 0;
        var tasks = new List<Task>();
        var clock = Stopwatch.StartNew();
        var run = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < messages; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / perSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var externalId = $"imp/{run}/{label}/m{i}";
            tasks.Add(Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                if (await rig.ImportThroughAppAsync(channelId, externalId, $"imp/{run}/{label}/c{i}", $"import {label} {i}") != HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref failures);
                    return;
                }

                while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(20))
                {
                    if (await rig.ImportStatusAsync(channelId, externalId) == "imported")
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        return;
                    }

                    await Task.Delay(PollMs);
                }

                Interlocked.Increment(ref failures);
            }));
        }

        await Task.WhenAll(tasks);
        return (latencies.ToArray(), failures);
    }

    private static double P(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
