using System.Diagnostics;
using FrontSimulator.Control;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 4, goal 2: with Front at 100 requests/minute (burst 5/s) and a backlog that needs a call per message
/// (notifications without external_id / message_uid, every message in its own conversation), the app drains Front calls
/// at ≥ 95 % of the limit with ≤ 1 429 per minute. The app keeps its default Front:RequestsPerMinute (100) and
/// Front:BurstPerSecond (5): the client must respect the limit, not discover it.
/// <para>Set-up: the backlog is imported with the simulator's limit lifted and an import delay long enough that no message
/// exists (so no notification goes out) before the limit is set to 100/5; t0 = the first 2xx Front read. The counters are
/// sampled every 5 s; the window is [t0 + warm-up, t0 + warm-up + window].</para>
/// </summary>
public static class DrainBenchmark
{
    private const int LimitPerMinute = 100;
    private const int BurstPerSecond = 5;

    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int messages, int windowSeconds, int warmupSeconds)
    {
        var hardStop = Stopwatch.StartNew();
        var budget = TimeSpan.FromSeconds(warmupSeconds + windowSeconds + 60); // ≤ 5 minutes with the defaults
        await using var rig = await EndToEndRig.StartAsync(storage, appRequestsPerMinute: 0, appBurstPerSecond: 0, recordArrivals: false);
        const string channelId = "cha_drain";
        await rig.CreateChannelAsync(channelId);
        await rig.Control.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = false, IncludeMessageUid = false });
        await rig.Control.SetRateLimitAsync(100_000, 100_000);
        await rig.Control.SetImportDelayAsync(TimeSpan.FromSeconds(15));

        var imports = await LatencyRecorder.RunAsync("backlog import", messages, 8, async i =>
            (await rig.ImportAsync(channelId, $"drain/m{i}", $"drain/c{i}", $"drain {i}")).StatusCode == 202);
        Console.WriteLine(imports);
        await rig.Control.SetRateLimitAsync(LimitPerMinute, BurstPerSecond); // restarts the simulator's windows
        await rig.Control.SetImportDelayAsync(TimeSpan.FromMilliseconds(200)); // applies to later imports only
        var baseline = FrontReadCounts.From(await rig.Control.GetCountersAsync());
        Console.WriteLine($"backlog of {messages} messages imported in {imports.Elapsed.TotalSeconds:F1} s; simulator limit now {LimitPerMinute} rpm, burst {BurstPerSecond}/s; app Front:RequestsPerMinute default");

        // t0: the first successful Front read.
        var clock = Stopwatch.StartNew();
        while (FrontReadCounts.From(await rig.Control.GetCountersAsync()).Ok - baseline.Ok == 0)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("no Front read succeeded within 60 s of the backlog being created");
            }

            await Task.Delay(100);
        }

        var t0 = Stopwatch.StartNew();
        Console.WriteLine($"first Front read {clock.Elapsed.TotalSeconds:F1} s after the limit was set (the import delay was 15 s)");
        var samples = new List<(double Seconds, FrontReadCounts Counts)>();
        var end = TimeSpan.FromSeconds(warmupSeconds + windowSeconds);
        while (true)
        {
            var counts = FrontReadCounts.From(await rig.Control.GetCountersAsync()) - baseline;
            samples.Add((t0.Elapsed.TotalSeconds, counts));
            if (samples.Count % 6 == 1)
            {
                Console.WriteLine($"  t0+{t0.Elapsed.TotalSeconds,5:F0} s: 2xx {counts.Ok,4}, 429 {counts.TooMany,3}, all {counts.All,4}");
            }

            if (t0.Elapsed >= end || hardStop.Elapsed > budget)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(t0.Elapsed.Ticks % TimeSpan.FromSeconds(5).Ticks));
        }

        var mapped = await rig.CountMappedAsync(channelId);
        var start = samples.First(s => s.Seconds >= warmupSeconds - 0.5);
        var last = samples[^1];
        var minutes = (last.Seconds - start.Seconds) / 60;
        var window = last.Counts - start.Counts;
        var okPerMinute = window.Ok / minutes;
        var tooManyPerMinute = window.TooMany / minutes;

        // Per-minute breakdown inside the window (sample nearest each minute boundary).
        for (var m = warmupSeconds; m + 60 <= last.Seconds + 0.5; m += 60)
        {
            var a = samples.MinBy(s => Math.Abs(s.Seconds - m));
            var b = samples.MinBy(s => Math.Abs(s.Seconds - (m + 60)));
            var d = b.Counts - a.Counts;
            Console.WriteLine($"  minute t0+{a.Seconds:F0}…{b.Seconds:F0} s: 2xx {d.Ok}, 429 {d.TooMany}");
        }

        var total = last.Counts;
        Console.WriteLine($"whole run from t0 ({last.Seconds:F0} s): 2xx {total.Ok} ({total.Ok / (last.Seconds / 60):F1}/min), 429 {total.TooMany}, all answers {total.All}; mapped {mapped} of {messages} (backlog {(mapped < messages ? "not exhausted" : "EXHAUSTED — window may under-measure")})");
        Console.WriteLine($"window t0+{start.Seconds:F0}…{last.Seconds:F0} s ({minutes:F2} min): 2xx {window.Ok}, 429 {window.TooMany}");
        var counters = await rig.Control.GetCountersAsync();
        Console.WriteLine($"simulator 429s by cause (whole run incl. backlog set-up): burst {counters.RateLimited.Burst}, company {counters.RateLimited.Company}, injected {counters.RateLimited.Injected}; app warnings/errors: {rig.Warnings.Summary()}");
        var share = okPerMinute / LimitPerMinute;
        var goals = new Goals();
        goals.Absolute($"backlog drain, share of {LimitPerMinute} rpm used", share * 100, "%", atLeast: true, 95, detail: $"{Goal.F(okPerMinute, "F1")} calls 2xx/min");
        goals.Absolute("backlog drain, Front 429s per minute", tooManyPerMinute, "429/min", atLeast: false, 1, detail: $"{window.TooMany} in the window; {total.TooMany} in the whole run");
        return goals.Results;
    }
}
