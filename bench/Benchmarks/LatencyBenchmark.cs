using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Azure.Data.Tables;
using FrontSimulator.Control;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 4, goal 3, without a rate limit (simulator 100000 rpm / burst 100000; app 100000 rpm / burst 1000):
/// <list type="bullet">
/// <item>Notification-to-lookup latency: from the notification's arrival at the local host (a middleware in front of the
/// webhook records it; that is the simulator's send time plus one loopback hop) to the lookup API's first 200 for the
/// message's external id. A poller per message starts at the arrival and asks every <c>PollMs</c>; the time is taken when
/// that 200 answer is received. Messages are imported at a fixed rate, each in its own conversation, once with the
/// notification metadata (no Front call needed) and once without (one GET /messages per message). Goals p50 ≤ 500 ms, p99 ≤ 2 s.</item>
/// <item>Lookup API p99 vs a plain point query (TableClient.GetEntityAsync of the same xm| row in the same table), at the same
/// concurrency, alternating rounds in the same run. Goal ≤ 2 ×.</item>
/// </list>
/// </summary>
public static class LatencyBenchmark
{
    private const int PollMs = 10;

    public static async Task<int> RunAsync(string storage, int messages, int perSecond, int concurrency, int lookupRequests)
    {
        await using var rig = await EndToEndRig.StartAsync(storage, appRequestsPerMinute: 100_000, appBurstPerSecond: 1_000, recordArrivals: true);
        await rig.Control.SetRateLimitAsync(100_000, 100_000);
        var settings = await rig.Control.GetSettingsAsync();
        Console.WriteLine($"simulator delays: import {settings.ImportDelayMs} ms, notification {settings.Notifications.DelayMs} ms (not part of the measured latency)");

        var ok = true;
        string[] lastIds = [];
        var lastChannel = "";
        foreach (var withMetadata in new[] { true, false })
        {
            var label = withMetadata ? "with-metadata" : "without-metadata";
            var channelId = withMetadata ? "cha_lat_meta" : "cha_lat_plain";
            await rig.Control.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = withMetadata, IncludeMessageUid = withMetadata });
            await rig.CreateChannelAsync(channelId);
            // Warm-up: a few messages through the whole loop (JIT, connections, tables, queue listener).
            await MeasureAsync(rig, channelId, $"warm-{label}", 5, 5);
            var (latencies, failures, ids) = await MeasureAsync(rig, channelId, label, messages, perSecond);
            var sorted = latencies.Order().ToArray();
            Console.WriteLine($"[{label}] {sorted.Length} of {messages} measured ({failures} not answered 200 within the deadline); notification→lookup 200: " +
                $"min {sorted.FirstOrDefault():F0} ms, p50 {P(sorted, 0.50):F0} ms, p90 {P(sorted, 0.90):F0} ms, p99 {P(sorted, 0.99):F0} ms, max {sorted.LastOrDefault():F0} ms (poll every {PollMs} ms)");
            ok &= Goal.Report($"notification→lookup p50 {label}", $"{Goal.F(P(sorted, 0.50), "F0")} ms", P(sorted, 0.50) <= 500 && failures == 0, "≤ 500 ms");
            ok &= Goal.Report($"notification→lookup p99 {label}", $"{Goal.F(P(sorted, 0.99), "F0")} ms", P(sorted, 0.99) <= 2000 && failures == 0, "≤ 2000 ms");
            Console.WriteLine($"[{label}] app warnings/errors: {rig.Warnings.Summary()}");
            rig.Warnings.Clear();
            lastIds = ids;
            lastChannel = channelId;
        }

        // Lookup API vs a plain point query on the same rows, same concurrency, alternating rounds.
        var rounds = 3;
        var keys = lastIds.Select(EndToEndRig.ExternalMessageKey).ToArray();
        var table = rig.IdMapTable;
        var api = new List<LatencyRecorder.Result>();
        var plain = new List<LatencyRecorder.Result>();
        await LatencyRecorder.RunAsync("warm-up", 500, concurrency, async i => await rig.LookupAsync(lastChannel, lastIds[i % lastIds.Length]) == HttpStatusCode.OK);
        await LatencyRecorder.RunAsync("warm-up", 500, concurrency, async i => (await table.GetEntityAsync<TableEntity>(lastChannel, keys[i % keys.Length])).HasValue);
        for (var round = 0; round < rounds; round++)
        {
            plain.Add(await LatencyRecorder.RunAsync("point query (GetEntity)", lookupRequests, concurrency, async i =>
                (await table.GetEntityAsync<TableEntity>(lastChannel, keys[i % keys.Length])).HasValue));
            api.Add(await LatencyRecorder.RunAsync("lookup API (external_id)", lookupRequests, concurrency, async i =>
                await rig.LookupAsync(lastChannel, lastIds[i % lastIds.Length]) == HttpStatusCode.OK));
        }

        foreach (var (p, a) in plain.Zip(api))
        {
            Console.WriteLine(p);
            Console.WriteLine(a);
        }

        var plainP99 = plain.Average(r => r.P99);
        var apiP99 = api.Average(r => r.P99);
        Console.WriteLine($"mean over {rounds} rounds at concurrency {concurrency}: point query p50 {plain.Average(r => r.P50):F2} ms p99 {plainP99:F2} ms; lookup API p50 {api.Average(r => r.P50):F2} ms p99 {apiP99:F2} ms");
        ok &= Goal.Report("lookup p99 / point-query p99", $"{Goal.F(apiP99 / plainP99)} ({Goal.F(apiP99)} ms vs {Goal.F(plainP99)} ms)",
            apiP99 / plainP99 <= 2 && api.Sum(r => r.Failures) == 0, "≤ 2.00");
        return ok ? 0 : 1;
    }

    private static async Task<(double[] Latencies, int Failures, string[] Ids)> MeasureAsync(EndToEndRig rig, string channelId, string label, int messages, int perSecond)
    {
        var latencies = new ConcurrentBag<double>();
        var failures = 0;
        var ids = Enumerable.Range(0, messages).Select(i => $"lat/{label}/m{i}").ToArray();
        var tasks = new List<Task>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < messages; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / perSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var externalId = ids[i];
            var body = $"latency {label} {i}";
            tasks.Add(Task.Run(async () =>
            {
                var import = await rig.ImportAsync(channelId, externalId, $"lat/{label}/c{externalId}", body);
                if (import.StatusCode != 202)
                {
                    Interlocked.Increment(ref failures);
                    return;
                }

                var arrival = rig.Arrivals.WaitAsync(body);
                if (await Task.WhenAny(arrival, Task.Delay(TimeSpan.FromSeconds(20))) != arrival)
                {
                    Interlocked.Increment(ref failures);
                    return;
                }

                var deadline = Stopwatch.StartNew();
                while (deadline.Elapsed < TimeSpan.FromSeconds(20))
                {
                    if (await rig.LookupAsync(channelId, externalId) == HttpStatusCode.OK)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(arrival.Result).TotalMilliseconds);
                        return;
                    }

                    await Task.Delay(PollMs);
                }

                Interlocked.Increment(ref failures);
            }));
        }

        await Task.WhenAll(tasks);
        return (latencies.ToArray(), failures, ids);
    }

    private static double P(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
