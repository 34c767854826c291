using System.Diagnostics;
using FrontSimulator.Control;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 4, goal 1: Front API calls per mapped message. <c>conversations × perConversation</c> sync imports through the
/// simulator → notifications → local host → queue → enrichment, counted at the simulator (GET /messages/* and
/// GET /conversations/*), twice: with the notification carrying metadata.external_id and message_uid (goal 0 calls per
/// message) and without (goal ≤ 1.1; a naive implementation makes 2). Rate limits out of the way: simulator 100000 rpm,
/// burst 100000; app Front:RequestsPerMinute 100000, Front:BurstPerSecond 1000 (its maximum).
/// </summary>
public static class CallsBenchmark
{
    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int conversations, int perConversation, int importConcurrency)
    {
        await using var rig = await EndToEndRig.StartAsync(storage, appRequestsPerMinute: 100_000, appBurstPerSecond: 1_000, recordArrivals: false);
        await rig.Control.SetRateLimitAsync(100_000, 100_000);
        var goals = new Goals();
        foreach (var withMetadata in new[] { true, false })
        {
            await RunOnceAsync(rig, goals, withMetadata, conversations, perConversation, importConcurrency);
        }

        return goals.Results;
    }

    private static async Task RunOnceAsync(EndToEndRig rig, Goals goals, bool withMetadata, int conversations, int perConversation, int importConcurrency)
    {
        var label = withMetadata ? "with-metadata" : "without-metadata";
        var channelId = withMetadata ? "cha_calls_meta" : "cha_calls_plain";
        var count = conversations * perConversation;
        await rig.Control.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = withMetadata, IncludeMessageUid = withMetadata });
        await rig.CreateChannelAsync(channelId);
        var before = FrontReadCounts.From(await rig.Control.GetCountersAsync());

        // Messages of a conversation are imported in order; conversations are interleaved (message m of every conversation,
        // then m + 1), so each conversation's messages arrive spread over the run, as a busy partner system would send them.
        var clock = Stopwatch.StartNew();
        var imports = await LatencyRecorder.RunAsync($"import ({label})", count, importConcurrency, async i =>
        {
            var conversation = i % conversations;
            var message = i / conversations;
            var result = await rig.ImportAsync(channelId, $"calls/{label}/c{conversation}/m{message}", $"calls/{label}/c{conversation}", $"calls {label} {i}");
            return result.StatusCode == 202;
        });
        Console.WriteLine(imports);
        var mapped = await rig.WaitMappedAsync(channelId, count, TimeSpan.FromSeconds(120),
            n => Console.WriteLine($"  [{label}] {n}/{count} mapped after {clock.Elapsed.TotalSeconds:F0} s"));
        var mappedAfter = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(1)); // late calls (there should be none) still count
        var counters = await rig.Control.GetCountersAsync();
        var delta = FrontReadCounts.From(counters) - before;

        // Every message answers through the lookup API.
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var lookups = await LatencyRecorder.RunAsync($"lookup check ({label})", count, 16, async i =>
        {
            var conversation = i % conversations;
            var message = i / conversations;
            var status = await rig.LookupAsync(channelId, $"calls/{label}/c{conversation}/m{message}");
            statuses.AddOrUpdate((int)status, 1, (_, n) => n + 1);
            return status == System.Net.HttpStatusCode.OK;
        });

        var perMessage = mapped == 0 ? double.NaN : (double)delta.Ok / mapped;
        Console.WriteLine($"[{label}] {count} imported ({imports.Failures} failed), {mapped} mapped in {mappedAfter.TotalSeconds:F1} s, lookup API 200 for {count - lookups.Failures}/{count} (statuses {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"))})");
        Console.WriteLine($"[{label}] Front reads answered 2xx: GET /messages/* {delta.Messages2xx}, GET /conversations/* {delta.Conversations2xx}; all answers {delta.All}, 429s {delta.TooMany}");
        Console.WriteLine($"[{label}] simulator counters (cumulative): {FrontReadCounts.Describe(counters)}; notifications delivered {counters.Notifications.Delivered}, failed attempts {counters.Notifications.FailedAttempts}, abandoned {counters.Notifications.Abandoned}, by status {{{string.Join(", ", counters.Notifications.ByStatus.Select(s => $"{s.Key}: {s.Value}"))}}}");
        Console.WriteLine($"[{label}] app warnings/errors: {rig.Warnings.Summary()}");
        rig.Warnings.Clear();
        var complete = mapped == count && lookups.Failures == 0 && imports.Failures == 0;
        goals.Absolute($"Front calls per mapped message, {label}", perMessage, "calls", atLeast: false, withMetadata ? 0 : 1.1, complete,
            $"{delta.Ok} calls for {mapped} mapped of {count}; all requests incl. errors {delta.All}");
    }
}
