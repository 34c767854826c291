using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.Storage;
using FrontSimulator.Control;

namespace FrontFunctions.Benchmarks;

/// <summary>The fault ledger run's faults: merges in Front, the Azurite freeze, host kills.</summary>
public static partial class FaultLedgerRun
{
    private static async Task<JsonObject> MergeAsync(SimulatorControl control, string channel)
    {
        var survivors = Survivors(await control.GetChannelAsync(channel)).Where(c => c.Messages.Count > 0).OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
        var from = survivors[^1];
        var into = survivors[0];
        await control.MergeAsync(from.Id, into.Id);
        Console.WriteLine($"  {DateTimeOffset.UtcNow:HH:mm:ss}: merged {from.Id} into {into.Id} ({channel})");
        return new JsonObject { ["event"] = "merge", ["at"] = DateTimeOffset.UtcNow.ToString("O"), ["channel"] = channel, ["from"] = from.Id, ["into"] = into.Id };
    }

    /// <summary>
    /// Freezes Azurite for <paramref name="seconds"/>. Front's own attempts during a freeze are few (the import loop waits
    /// meanwhile) and each may begin too late to outlast the webhook's 4.5 s deadline, so they alone cannot show the 503: as
    /// the freeze begins, the simulator delivers <paramref name="probeMessageId"/>'s notification once more, which must be
    /// answered 503 within Front's limit when the freeze outlasts the deadline (a duplicate: nothing to undo if it lands).
    /// </summary>
    private static async Task<JsonObject> FreezeAzuriteAsync(int azuritePid, int seconds, SimulatorControl control, string probeMessageId)
    {
        var before = (await control.GetCountersAsync()).Notifications;
        var at = DateTimeOffset.UtcNow;
        Signal(azuritePid, "STOP");
        Console.WriteLine($"  {at:HH:mm:ss}: Azurite (pid {azuritePid}) frozen with SIGSTOP for {seconds} s");
        var probeClock = Stopwatch.StartNew();
        var probe = control.NotifyAgainAsync(probeMessageId);
        var probeAnsweredMs = probe.ContinueWith(_ => probeClock.ElapsedMilliseconds, TaskScheduler.Default);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds));
        }
        finally
        {
            Signal(azuritePid, "CONT");
        }

        var probeResult = await probe;
        var probeMs = await probeAnsweredMs;
        Console.WriteLine($"  probe notification sent as the freeze began: {(probeResult.Status == 0 ? "no answer" : probeResult.Status.ToString(CultureInfo.InvariantCulture))} after {probeMs} ms");

        // Attempts that began during the freeze end within the webhook's deadline (4.5 s) or Front's 7 s: count them too.
        await Task.Delay(TimeSpan.FromMilliseconds(FrontTimeLimitMs + 1000));
        var after = (await control.GetCountersAsync()).Notifications;
        var answered503 = after.ByStatus.GetValueOrDefault("503") - before.ByStatus.GetValueOrDefault("503");
        var timedOut = after.TimedOut - before.TimedOut;
        Console.WriteLine($"  {DateTimeOffset.UtcNow:HH:mm:ss}: Azurite resumed (SIGCONT); attempts begun during the freeze (counted {FrontTimeLimitMs + 1000} ms after it): 503 {answered503} times, {timedOut} without an answer within {FrontTimeLimitMs} ms");
        return new JsonObject
        {
            ["event"] = "azurite_freeze",
            ["at"] = at.ToString("O"),
            ["seconds"] = seconds,
            ["probe_status"] = probeResult.Status,
            ["probe_answered_ms"] = probeMs,
            ["notification_attempts"] = after.Attempts - before.Attempts,
            ["answered_503"] = answered503,
            ["timed_out"] = timedOut,
            ["by_status"] = JsonSerializer.SerializeToNode(after.ByStatus.ToDictionary(p => p.Key, p => p.Value - before.ByStatus.GetValueOrDefault(p.Key))),
        };
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed ({kill.ExitCode})");
        }
    }

    private sealed record KillRecord(int Generation, DateTimeOffset At, HashSet<string> MappedAtKill, int IngestQueueAtKill, int OutboundQueueAtKill)
    {
        public TimeSpan Down { get; set; }
    }

    private static async Task<(KillRecord Kill, Task Restart)> KillAsync(
        HostProcess host, HttpClient http, TableClient idMap, QueueServiceClient queues, string[] channels, JsonArray events)
    {
        var generation = host.Generation;
        var at = DateTimeOffset.UtcNow;
        host.Kill();
        // The moment of the kill, read from storage: the rows written, and the queue length (visible + dequeued-in-flight).
        var mapped = await MappedFrontIdsAsync(idMap, channels);
        var ingest = (await queues.GetQueueClient(StorageNames.IngestQueue).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        var outbound = (await queues.GetQueueClient(StorageNames.OutboundQueue).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        Console.WriteLine($"  {at:HH:mm:ss}: host generation {generation} SIGKILLed ({mapped.Count} messages mapped, ingest queue {ingest}, outbound queue {outbound}); restarting");
        var kill = new KillRecord(generation, at, mapped, ingest, outbound);
        var restart = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            await host.StartAsync(http);
            kill.Down = DateTimeOffset.UtcNow - at;
            Console.WriteLine($"  {DateTimeOffset.UtcNow:HH:mm:ss}: host generation {generation + 1} answers ({kill.Down.TotalSeconds:F1} s after the kill)");
            AddEvent(events, new JsonObject { ["event"] = "host_sigkill", ["at"] = at.ToString("O"), ["generation"] = generation, ["down_seconds"] = Math.Round(kill.Down.TotalSeconds, 1) });
        });
        return (kill, restart);
    }

    private static void AddEvent(JsonArray events, JsonObject item)
    {
        lock (events)
        {
            events.Add(item);
        }
    }

}
