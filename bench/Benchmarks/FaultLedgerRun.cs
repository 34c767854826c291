using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using FrontSimulator;
using FrontSimulator.Control;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 12, point 1: the fault ledger run. Sync imports into the Front simulator (in this process) make it send
/// <c>message_imported</c> notifications — some twice, some out of order, 3 merges meanwhile, its API answering 5xx, 429
/// bursts, 2 s latency spikes and dropped connections — to a local host started as a separate process, which is SIGKILLed
/// and restarted mid-run; the Azurite that scripts/bench.sh started (<c>AZURITE_PID</c>) is frozen with SIGSTOP once while
/// notifications arrive. Teammates' replies (<c>message</c> webhooks) are delivered to a partner receiver (here) that fails
/// 10 % of the time. At the end every count is checked against the simulator's truth and written as a JSON ledger; the run
/// is void (exit code 1) if any does not add up.
/// </summary>
public static partial class FaultLedgerRun
{
    private const double DuplicateRate = 0.10, OutOfOrderRate = 0.05, ErrorRate = 0.10, DropRate = 0.02, SpikeRate = 0.03, PartnerFailureRate = 0.10;
    private const int SpikeMs = 2000, Burst429 = 8, FrontTimeLimitMs = 7000;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10); // the WebJobs queue listener's visibility timeout on receive
    private static readonly Regex MappedLine = new(
        @"^(?<ts>\S+) .*Mapped message (?<msg>msg_\w+) of channel (?<ch>\S+) to conversation .*attempt (?<attempt>\d+)\)", RegexOptions.Compiled);

    // Any attempt of the queue function at a message (mapped, failed for now, re-queued): when a host first touched it.
    private static readonly Regex AttemptLine = new(
        @"^(?<ts>\S+) .*IngestProcessor\[\d+\] (?:Mapped message|Mapping message|Message) (?<msg>msg_\w+) ", RegexOptions.Compiled);

    public sealed record Plan(int Notifications, int Conversations, int Kills, int FreezeSeconds, int Replies, string OutputDirectory);

    public static async Task<int> RunAsync(string storage, Plan plan)
    {
        var azuritePid = int.TryParse(Environment.GetEnvironmentVariable("AZURITE_PID"), out var pid) ? pid
            : throw new InvalidOperationException("AZURITE_PID is not set: run the ledger through scripts/bench.sh faults (it freezes the Azurite it started, no other).");
        var started = DateTimeOffset.UtcNow;
        var ledger = new JsonObject
        {
            ["run"] = "faults",
            ["started_at"] = started.ToString("O"),
            ["cores"] = Environment.ProcessorCount,
            ["plan"] = JsonSerializer.SerializeToNode(plan),
        };
        var problems = new List<string>();
        var workDir = Directory.CreateTempSubdirectory("fault-ledger-");
        Directory.CreateDirectory(plan.OutputDirectory);
        var stamp = started.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var logDir = Path.Combine(plan.OutputDirectory, $"faults-{stamp}-logs");
        Directory.CreateDirectory(logDir);
        Console.WriteLine($"fault ledger run: {plan}; host logs in {logDir}");

        await using var partner = await PartnerReceiver.StartAsync(PartnerFailureRate);
        await using var front = await FrontSimulatorServer.StartAsync();
        var control = front.Control;
        var signingSecret = PartnerOptions.SecretPrefix + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var port = FreePort();
        var hostUrl = new Uri($"http://127.0.0.1:{port}/");
        var host = new HostProcess(EndToEndRig.FindLocalHost("faults"), workDir.FullName, port, logDir, new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Front__ApiBaseUrl"] = front.BaseUrl.AbsoluteUri,
            ["Front__AppUid"] = EndToEndRig.AppUid,
            ["Front__AppSecret"] = EndToEndRig.AppSecret,
            ["Front__PublicBaseUrl"] = "http://127.0.0.1",
            ["Front__RequestsPerMinute"] = "60000", // the simulator's limit is lifted too: faults, not pacing, are under test
            ["Front__BurstPerSecond"] = "1000",
            ["LocalHost__RunQueueListener"] = "true",
            ["LocalHost__FunctionKey"] = EndToEndRig.FunctionKey,
            ["Partner__OutboundUrl"] = partner.Url.AbsoluteUri,
            ["Partner__SigningSecret"] = signingSecret,
            [PartnerOptions.DisabledSetting] = "false",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "yyyy-MM-ddTHH:mm:ss.fffZ ",
        });
        using var http = new HttpClient { BaseAddress = hostUrl, Timeout = TimeSpan.FromSeconds(30) };
        var idMap = new TableServiceClient(storage).GetTableClient(StorageNames.IdMapTable);
        var queues = new QueueServiceClient(storage);
        var frozen = false;
        var events = new JsonArray();
        try
        {
            await host.StartAsync(http);
            string[] channels = ["cha_ledger1", "cha_ledger2"];
            foreach (var channel in channels)
            {
                await control.CreateChannelAsync(channel, EndToEndRig.AppUid, EndToEndRig.AppSecret, new Uri(hostUrl, $"api/front/channels/{channel}"));
                await AuthorizeAsync(http, channel);
            }

            await control.SetRateLimitAsync(1_000_000, 100_000);
            await control.SetNotificationsAsync(new NotificationSettings
            {
                IncludeExternalId = false, // every message costs the app a GET /messages/{id}: the faults below hit the enrichment
                IncludeMessageUid = false,
                DuplicateRate = DuplicateRate,
                OutOfOrderRate = OutOfOrderRate,
                MaxAttempts = 11, // Front retries a failed delivery; 0.5 s doubling: ~8.5 min in all, past any host restart or overload
                RetryBaseDelayMs = 500,
                TimeoutMs = FrontTimeLimitMs,
            });
            await control.SetFaultsAsync(new FaultSettings { ErrorRate = ErrorRate, DropRate = DropRate, SpikeRate = SpikeRate, SpikeMs = SpikeMs });
            await idMap.CreateIfNotExistsAsync();

            // The schedule, as fractions of the import phase: kills, the freeze, the merges.
            var killAt = plan.Kills switch { 0 => Array.Empty<double>(), 1 => [0.45], _ => Enumerable.Range(0, plan.Kills).Select(k => 0.3 + 0.35 * k / (plan.Kills - 1)).ToArray() };
            var freezeAt = 0.55;
            double[] mergeAt = [0.25, 0.5, 0.75];
            var importSeconds = Math.Max(60, plan.Notifications / 15.0);
            var interval = TimeSpan.FromSeconds(importSeconds / plan.Notifications);
            Console.WriteLine($"import phase ~{importSeconds:F0} s: kills at {string.Join(", ", killAt.Select(k => k.ToString("P0", CultureInfo.InvariantCulture)))}, " +
                $"Azurite frozen {plan.FreezeSeconds} s at {freezeAt:P0}, merges at {string.Join(", ", mergeAt.Select(k => k.ToString("P0", CultureInfo.InvariantCulture)))}");

            using var stop = new CancellationTokenSource();
            var lastDelivery = new LastDeliveryWatch(control);
            var watch = lastDelivery.RunAsync(stop.Token);
            var bursts = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(15), stop.Token).ContinueWith(_ => { });
                    await control.SetFaultsAsync(new FaultSettings { Burst429 = Burst429 });
                    // Front's burst limit is per second: 429s no request met within 2 s expire. Left pending, they went to
                    // whoever called next — an idle app's one leased message, whose tries (5 per ~10 s) came slower than
                    // the bursts were refilled (8 per 15 s), met a 429 on every try for 5 minutes (a CI run's small ledger).
                    await Task.Delay(TimeSpan.FromSeconds(2), stop.Token).ContinueWith(_ => { });
                    await control.SetFaultsAsync(new FaultSettings { Burst429 = 0 });
                }
            });

            var kills = new List<KillRecord>();
            var replies = new ConcurrentBag<ReplyRecord>();
            var replyTasks = new List<Task>();
            var importFailures = 0;
            var clock = Stopwatch.StartNew();
            var nextKill = 0;
            var nextMerge = 0;
            var freezeDone = plan.FreezeSeconds <= 0;
            var replyEvery = plan.Replies > 0 ? Math.Max(1, plan.Notifications / plan.Replies) : int.MaxValue;
            using var importers = new SemaphoreSlim(8);
            var importTasks = new List<Task>();
            var restarting = Task.CompletedTask;
            for (var i = 0; i < plan.Notifications; i++)
            {
                var due = interval * i;
                if (clock.Elapsed < due)
                {
                    await Task.Delay(due - clock.Elapsed);
                }

                var progress = (double)i / plan.Notifications;
                if (nextKill < killAt.Length && progress >= killAt[nextKill])
                {
                    await restarting; // the previous restart
                    var (kill, restart) = await KillAsync(host, http, idMap, queues, channels, events);
                    kills.Add(kill);
                    restarting = restart; // imports (and Front's notifications, retried) go on while the host starts again
                    nextKill++;
                }

                if (!freezeDone && progress >= freezeAt)
                {
                    await restarting;
                    freezeDone = true;
                    frozen = true;
                    var probe = Survivors(await control.GetChannelAsync(channels[0])).SelectMany(c => c.Messages).First().Id;
                    var freeze = await FreezeAzuriteAsync(azuritePid, plan.FreezeSeconds, control, probe);
                    frozen = false;
                    AddEvent(events, freeze);
                    var otherErrors = freeze["by_status"]!.AsObject().Where(p => p.Key is not ("200" or "503") && (long)p.Value! > 0).ToList();
                    if ((int)freeze["probe_status"]! != 503 || (long)freeze["timed_out"]! > 0 || otherErrors.Count > 0)
                    {
                        problems.Add($"the Azurite freeze: {freeze.ToJsonString()} (expected: the probe sent at the start of the freeze answered 503, " +
                            $"every attempt answered 200 or 503 within {FrontTimeLimitMs} ms)");
                    }
                }

                if (nextMerge < mergeAt.Length && progress >= mergeAt[nextMerge])
                {
                    AddEvent(events, await MergeAsync(control, channels[nextMerge % channels.Length]));
                    nextMerge++;
                }

                var n = i;
                await importers.WaitAsync();
                importTasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        var channel = channels[n % 2];
                        var conversation = (n / 2) % Math.Max(1, plan.Conversations / 2);
                        if (!await ImportWithRetriesAsync(control, channel, $"ledger/{stamp}/m{n}", $"ledger/{stamp}/{channel}/c{conversation}", $"ledger message {n}"))
                        {
                            Interlocked.Increment(ref importFailures);
                        }
                    }
                    finally
                    {
                        importers.Release();
                    }
                }));

                if (i % replyEvery == replyEvery - 1)
                {
                    replyTasks.Add(SendReplyAsync(control, channels[(i / replyEvery) % 2], http, replies));
                }
            }

            await Task.WhenAll(importTasks);
            await restarting;
            await Task.WhenAll(replyTasks);
            var importsDone = DateTimeOffset.UtcNow;
            Console.WriteLine($"imports done in {clock.Elapsed.TotalSeconds:F0} s ({importFailures} gave up); replies acknowledged {replies.Count(r => r.Acknowledged)} of {replies.Count}");
            if (importFailures > 0)
            {
                problems.Add($"{importFailures} imports never got a 202 from the simulator (rig problem)");
            }

            // Truth: what Front holds. Then wait until the app has all of it, both queues (leased messages included) are empty
            // and the partner has every acknowledged reply — or the lease bound plus slack has passed.
            var truth = new Dictionary<string, ChannelSnapshot>();
            foreach (var channel in channels)
            {
                var snapshot = await control.GetChannelAsync(channel);
                var waitPending = Stopwatch.StartNew();
                while (snapshot.PendingMessageUids.Count > 0 && waitPending.Elapsed < TimeSpan.FromMinutes(1))
                {
                    await Task.Delay(500);
                    snapshot = await control.GetChannelAsync(channel);
                }

                truth[channel] = snapshot;
            }

            var truthMessages = truth.SelectMany(t => Survivors(t.Value).SelectMany(c => c.Messages.Select(m => (Channel: t.Key, Message: m, Survivor: c)))).ToList();
            var acknowledged = replies.Where(r => r.Acknowledged).ToList();
            var lastKill = kills.Count > 0 ? kills.Max(k => k.At) : importsDone;
            var convergeDeadline = (lastKill > importsDone ? lastKill : importsDone) + Lease + TimeSpan.FromMinutes(5);
            Console.WriteLine($"waiting for convergence (bound: last kill + the {Lease.TotalMinutes:F0}-minute lease + 5 min = {convergeDeadline:HH:mm:ss} UTC)");
            var converged = false;
            var lastReport = DateTimeOffset.MinValue;
            PollState state = new(0, 0, 0, 0, 0);
            while (DateTimeOffset.UtcNow < convergeDeadline)
            {
                state = await PollAsync(idMap, queues, channels, truthMessages.Select(t => t.Message.Id).ToHashSet(StringComparer.Ordinal), acknowledged, partner);
                // Settled: every message mapped or poisoned (the checks below judge the poisoned), both queues empty.
                if (state.Unmapped <= state.IngestPoisoned && state.IngestQueue == 0 && state.OutboundQueue == 0 && state.RepliesMissing == 0)
                {
                    converged = true;
                    break;
                }

                if (DateTimeOffset.UtcNow - lastReport > TimeSpan.FromSeconds(30))
                {
                    lastReport = DateTimeOffset.UtcNow;
                    Console.WriteLine($"  {DateTimeOffset.UtcNow:HH:mm:ss}: unmapped {state.Unmapped}, ingest queue {state.IngestQueue} (incl. leased), outbound queue {state.OutboundQueue}, poisoned {state.Poisoned}, replies not yet delivered {state.RepliesMissing}");
                }

                await Task.Delay(2000);
            }

            var convergedAt = DateTimeOffset.UtcNow;
            await stop.CancelAsync();
            await watch;
            await bursts;
            if (!converged)
            {
                problems.Add($"not converged by the bound (last kill + lease + 5 min): unmapped {state.Unmapped}, ingest queue {state.IngestQueue}, outbound queue {state.OutboundQueue}, replies missing {state.RepliesMissing}");
            }

            await VerifyAsync(ledger, problems, storage, http, idMap, queues, control, truth, truthMessages, acknowledged, partner);
            AccountKills(ledger, problems, kills, host.Generations, lastDelivery.Last, convergedAt, partner);
            ledger["events"] = events;
            ledger["last_delivery_at"] = lastDelivery.Last?.ToString("O");
            ledger["converged_at"] = convergedAt.ToString("O");
        }
        catch (Exception e)
        {
            problems.Add("the run stopped: " + e);
        }
        finally
        {
            if (frozen)
            {
                Signal(azuritePid, "CONT");
            }

            await host.DisposeAsync();
            workDir.Delete(recursive: true);
        }

        ledger["problems"] = new JsonArray([.. problems.Select(p => (JsonNode?)p)]);
        ledger["void"] = problems.Count > 0;
        var file = Path.Combine(plan.OutputDirectory, $"faults-{stamp}.json");
        await File.WriteAllTextAsync(file, ledger.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        PrintLedger(ledger);
        Console.WriteLine($"ledger written to {file}");
        Console.WriteLine(problems.Count == 0 ? "LEDGER OK: every count adds up" : $"LEDGER VOID: {problems.Count} problem(s):\n  " + string.Join("\n  ", problems));
        return problems.Count == 0 ? 0 : 1;
    }

    private static IEnumerable<ConversationSnapshot> Survivors(ChannelSnapshot snapshot) => snapshot.Conversations.Where(c => c.MergedInto is null);

    private sealed record PollState(int Unmapped, int IngestQueue, int OutboundQueue, int Poisoned, int RepliesMissing, int IngestPoisoned = 0);

    private static async Task<PollState> PollAsync(
        TableClient idMap, QueueServiceClient queues, string[] channels, HashSet<string> truthIds, List<ReplyRecord> acknowledged, PartnerReceiver partner)
    {
        var mapped = await MappedFrontIdsAsync(idMap, channels);
        var unmapped = truthIds.Count(id => !mapped.Contains(id));
        int Count(string queue) => queues.GetQueueClient(queue).GetProperties().Value.ApproximateMessagesCount;
        var ingestPoisoned = Count(StorageNames.IngestPoisonQueue);
        var outboundPoisoned = Count(StorageNames.OutboundPoisonQueue);
        var missing = acknowledged.Count(r => !partner.Delivered.ContainsKey(r.MessageId!));
        return new PollState(unmapped, Count(StorageNames.IngestQueue), Count(StorageNames.OutboundQueue), ingestPoisoned + outboundPoisoned,
            Math.Max(0, missing - outboundPoisoned), ingestPoisoned);
    }

    private static async Task<HashSet<string>> MappedFrontIdsAsync(TableClient idMap, string[] channels)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var channel in channels)
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {channel} and RowKey ge {"fm|"} and RowKey lt {"fm}"}");
            await foreach (var row in idMap.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey"]))
            {
                result.Add(row.RowKey["fm|".Length..]);
            }
        }

        return result;
    }

    private static async Task<bool> ImportWithRetriesAsync(SimulatorControl control, string channel, string externalId, string externalConversationId, string body)
    {
        // The partner's sync import; the simulator's faults hit it too (5xx, 429, drops: none of them creates the message), so retry.
        for (var attempt = 0; attempt < 30; attempt++)
        {
            try
            {
                var result = await control.ImportInboundAsync(channel, EndToEndRig.AppUid, EndToEndRig.AppSecret, externalId, externalConversationId, body);
                if (result.StatusCode == 202)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200 * Math.Min(attempt + 1, 5));
        }

        return false;
    }

    /// <summary>A teammate's reply in a conversation the map knows: Front's <c>message</c> webhook, retried as Front retries until answered 200.</summary>
    private static async Task SendReplyAsync(SimulatorControl control, string channel, HttpClient http, ConcurrentBag<ReplyRecord> replies)
    {
        var snapshot = await control.GetChannelAsync(channel);
        string? conversation = null;
        foreach (var candidate in Survivors(snapshot).Where(c => c.Messages.Count > 0).OrderBy(_ => Random.Shared.Next()))
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"api/map/{channel}/conversations?front_id={candidate.Id}");
                request.Headers.Add("x-functions-key", EndToEndRig.FunctionKey);
                using var response = await http.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    conversation = candidate.Id;
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // the host is down (killed): try the next
            }
            catch (TaskCanceledException)
            {
            }
        }

        if (conversation is null)
        {
            return; // nothing mapped yet (or the host is down): no reply this time
        }

        var result = await control.SendTeammateMessageAsync(channel, new TeammateMessage { ConversationId = conversation, Body = "<p>ledger reply</p>" });
        var attempts = 1;
        var deadline = Stopwatch.StartNew();
        while (result.Status != 200 && deadline.Elapsed < TimeSpan.FromMinutes(4))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500 * Math.Min(attempts, 8)));
            var again = await control.RedeliverAsync(channel, result.Request);
            attempts++;
            result = again with { Request = result.Request, ConversationId = result.ConversationId, MessageId = result.MessageId };
        }

        if (attempts > 1)
        {
            Console.WriteLine($"  {DateTimeOffset.UtcNow:HH:mm:ss}: reply {result.MessageId} answered {result.Status} after {attempts} attempts");
        }

        replies.Add(new ReplyRecord(channel, result.MessageId, conversation, result.Status == 200, attempts));
    }

    private sealed record ReplyRecord(string Channel, string? MessageId, string ConversationId, bool Acknowledged, int Attempts);

    private static async Task AuthorizeAsync(HttpClient http, string channelId)
    {
        var body = $"{{\"type\":\"authorization\",\"payload\":{{\"channel_id\":\"{channelId}\"}}}}";
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/front/channels") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Front-Request-Timestamp", timestamp);
        request.Headers.Add("X-Front-Signature", FrontSimulator.Notifications.WebhookSigner.Sign(EndToEndRig.AppSecret, timestamp, System.Text.Encoding.UTF8.GetBytes(body)));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
