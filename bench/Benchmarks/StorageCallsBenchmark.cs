using System.Diagnostics;
using Azure.Core;
using FrontFunctions.Storage;
using FrontSimulator.Control;
using Microsoft.Extensions.Azure;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 22, point 6: storage transactions per message, the figure docs/capacity.md prices. Every storage request of the
/// app's clients (the queue listener's included) is counted by a pipeline policy (<see cref="StorageRequestCounter"/>, per
/// try: a retried request counts each time, as Azure bills it) while the whole loop runs in one process: simulator →
/// webhook → queue → enrichment → id map, and teammate reply → webhook → <c>front-outbound</c> → partner. Three phases,
/// each counted alone: inbound messages with the ids in the notification (no Front call), inbound without (one Front call,
/// which leases from the shared budget table), and teammate replies delivered to the partner. The idle rate (the queue
/// listeners' empty polls, the metrics sampler) is measured first for 10 s and reported beside, since it is paid per
/// instance whatever the traffic. Goals: the per-message counts stay within the ceilings docs/capacity.md assumes.
/// </summary>
public static class StorageCallsBenchmark
{
    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int messages, int replies)
    {
        var counter = new StorageRequestCounter();
        await using var partner = await PartnerReceiver.StartAsync(failureRate: 0);
        await using var rig = await EndToEndRig.StartAsync(storage, appRequestsPerMinute: 100_000, appBurstPerSecond: 1_000, recordArrivals: false,
            more: ReplyLatencyBenchmark.PartnerSettings(partner.Url),
            configure: builder => builder.Services.AddAzureClients(clients => clients.ConfigureDefaults(o => o.AddPolicy(counter, HttpPipelinePosition.PerRetry))));
        await rig.Control.SetRateLimitAsync(100_000, 100_000);

        // Warm-up (not counted): JIT, connections, tables and queues created, the listeners running.
        await rig.Control.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = true, IncludeMessageUid = true });
        var warm = "cha_storage_warm_" + Guid.NewGuid().ToString("N")[..6];
        await rig.CreateChannelAsync(warm);
        await LatencyRecorder.RunAsync("warm-up", 100, 8, async i =>
            (await rig.ImportAsync(warm, $"storage/{warm}/c{i % 10}/m{i}", $"storage/{warm}/c{i % 10}", $"storage {warm} {i}")).StatusCode == 202);
        await rig.WaitMappedAsync(warm, 100, TimeSpan.FromSeconds(60));

        // Idle: what an instance costs with nothing to do.
        await Task.Delay(TimeSpan.FromSeconds(5));
        counter.Reset();
        var idleClock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var idlePerSecond = counter.Requests / idleClock.Elapsed.TotalSeconds;
        Console.WriteLine($"idle: {idlePerSecond:F1} storage requests/s per instance");
        foreach (var line in counter.Describe(1))
        {
            Console.WriteLine(line.Replace("/message", "/run", StringComparison.Ordinal));
        }

        var goals = new Goals();
        foreach (var withMetadata in new[] { true, false })
        {
            var label = withMetadata ? "inbound, ids in the notification" : "inbound, one Front read";
            await rig.Control.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = withMetadata, IncludeMessageUid = withMetadata });
            var channel = $"cha_storage_{(withMetadata ? "meta" : "plain")}_{Guid.NewGuid().ToString("N")[..6]}";
            await rig.CreateChannelAsync(channel);
            await Task.Delay(TimeSpan.FromSeconds(2));
            var attemptsBefore = (await rig.Control.GetCountersAsync()).Notifications.Attempts;
            counter.Reset();
            var clock = Stopwatch.StartNew();
            var imports = await LatencyRecorder.RunAsync($"import ({label})", messages, 4, async i =>
                (await rig.ImportAsync(channel, $"storage/{channel}/c{i % (messages / 10 + 1)}/m{i}", $"storage/{channel}/c{i % (messages / 10 + 1)}", $"storage {channel} {i}")).StatusCode == 202);
            var mapped = await rig.WaitMappedAsync(channel, messages, TimeSpan.FromSeconds(120));
            await Task.Delay(TimeSpan.FromSeconds(2)); // the last deletes
            // Each pass through the webhook (one queue put) costs a whole pass downstream, a repeated delivery of the same signed
            // request included: the figure per pass is the unit, passes per message say how much repeats multiply it.
            var attempts = (await rig.Control.GetCountersAsync()).Notifications.Attempts - attemptsBefore;
            var passes = counter.CountOf($"POST queue {StorageNames.IngestQueue}/messages");
            Console.WriteLine($"[{label}] webhook passes (queue puts) {passes} for {messages} messages ({(double)passes / messages:F2} per message; the simulator counted {attempts} delivery attempts): {(double)counter.Requests / Math.Max(1, passes):F2} storage requests per pass");
            goals.Absolute($"storage requests per webhook pass, {label}", (double)counter.Requests / Math.Max(1, passes), "requests", atLeast: false, withMetadata ? 9 : 10,
                mapped == messages, $"{counter.Requests} requests, {passes} passes for {messages} messages");
            Report(goals, counter, label, mapped, messages, clock.Elapsed, idlePerSecond, ceiling: withMetadata ? 12 : 13, complete: mapped == messages && imports.Failures == 0);
        }

        var replyChannel = "cha_storage_replies_" + Guid.NewGuid().ToString("N")[..6];
        var conversations = await ReplyLatencyBenchmark.MappedConversationsAsync(rig, replyChannel, 10);
        await Task.Delay(TimeSpan.FromSeconds(2));
        counter.Reset();
        var replyClock = Stopwatch.StartNew();
        var (_, _, delivered, sent) = await ReplyLatencyBenchmark.SendPacedAsync(rig, replyChannel, conversations, replies, 50, partner, "storage");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Report(goals, counter, "teammate reply delivered to the partner", delivered, replies, replyClock.Elapsed, idlePerSecond, ceiling: 8,
            complete: delivered == replies && sent == replies);
        goals.Absolute("idle storage requests per instance (empty polls, samplers)", idlePerSecond, "requests/s", atLeast: false, 40, true,
            "measured over 10 s with nothing to do");
        return goals.Results;
    }

    private static void Report(Goals goals, StorageRequestCounter counter, string label, int done, int expected, TimeSpan elapsed, double idlePerSecond, double ceiling, bool complete)
    {
        var raw = counter.Requests;
        var idle = idlePerSecond * elapsed.TotalSeconds;
        var perMessage = done == 0 ? double.NaN : raw / (double)done;
        var net = done == 0 ? double.NaN : Math.Max(0, raw - idle) / done;
        Console.WriteLine($"[{label}] {done}/{expected} in {elapsed.TotalSeconds:F1} s: {raw} storage requests, {perMessage:F2} per message " +
            $"({net:F2} less the idle rate × the time), 409/412 answers {counter.Conflicts}");
        foreach (var line in counter.Describe(Math.Max(1, done)))
        {
            Console.WriteLine(line);
        }

        goals.Absolute($"storage requests per message, {label}", perMessage, "requests", atLeast: false, ceiling, complete,
            $"{raw} requests for {done} of {expected} in {elapsed.TotalSeconds:F0} s; {net:F2} net of idle polling; {counter.Conflicts} 409/412");
    }
}
