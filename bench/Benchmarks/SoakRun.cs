using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.IdMap;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using FrontSimulator;
using FrontSimulator.Control;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 22, point 5: the soak run. The local host as its own process (Release build), pacing its Front calls at a
/// company's limits (100 requests a minute, 5 a second), 1 % faults (Front API errors, duplicated notifications, partner
/// 500s), <c>notifications</c> imports spread evenly over <c>minutes</c>
/// with <c>replies</c> teammate replies among them. Every 10 s: the host's RSS, threads and open sockets (from
/// /proc/&lt;pid&gt;/status and /proc/&lt;pid&gt;/fd) and the backlog of front-ingest and front-outbound. Goals: 0 lost, 0 wrong
/// (every imported message mapped to the Front message id the simulator holds; every acknowledged reply delivered), RSS at
/// the last fifth of the load within +10 % of RSS after warm-up (the second fifth), and no growth in sockets or threads (once
/// drained, ≤ after warm-up + 10 %, at least 2 of slack). Written to bench-results/soak-&lt;time&gt;.png (plot) and .md (table).
/// </summary>
public static class SoakRun
{
    private const double FaultRate = 0.01;
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(10);

    public sealed record Sample(double Minutes, double RssMb, int Threads, int Sockets, int Fds, int IngestBacklog, int OutboundBacklog, int Imported, int RepliesSent);

    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int notifications, int replies, double minutes, string outputDirectory)
    {
        var started = DateTimeOffset.UtcNow;
        var stamp = started.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        Directory.CreateDirectory(outputDirectory);
        var workDir = Directory.CreateTempSubdirectory("soak-");
        Console.WriteLine($"soak: {notifications} notifications and {replies} replies over {minutes} min, app paced at Front 100 rpm / burst 5, {FaultRate:P0} faults; host log in {workDir.FullName}");

        await using var partner = await PartnerReceiver.StartAsync(FaultRate);
        await using var front = await FrontSimulatorServer.StartAsync();
        var control = front.Control;
        var port = FreePort();
        var hostUrl = new Uri($"http://127.0.0.1:{port}/");
        await using var host = new HostProcess(EndToEndRig.FindLocalHost("soak"), workDir.FullName, port, workDir.FullName, new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Front__ApiBaseUrl"] = front.BaseUrl.AbsoluteUri,
            ["Front__AppUid"] = EndToEndRig.AppUid,
            ["Front__AppSecret"] = EndToEndRig.AppSecret,
            ["Front__PublicBaseUrl"] = "http://127.0.0.1",
            ["Front__RequestsPerMinute"] = "100",
            ["Front__BurstPerSecond"] = "5",
            ["LocalHost__RunQueueListener"] = "true",
            ["LocalHost__FunctionKey"] = EndToEndRig.FunctionKey,
            ["Partner__OutboundUrl"] = partner.Url.AbsoluteUri,
            ["Partner__SigningSecret"] = PartnerOptions.SecretPrefix + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            [PartnerOptions.DisabledSetting] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        using var http = new HttpClient { BaseAddress = hostUrl, Timeout = TimeSpan.FromSeconds(30) };
        await host.StartAsync(http);
        var pid = host.Pid ?? throw new InvalidOperationException("the host has no process id");

        // The app paces its own Front calls at a company's limits (100 rpm, burst 5: the settings above). The simulator is one
        // Front company, and the load itself (the partner's imports) goes through the same API, so its limit is lifted: at
        // 100 rpm it would refuse all but 100 imports a minute. Its 1 % errors still hit imports (retried) and the app alike.
        await control.SetRateLimitAsync(1_000_000, 100_000);
        await control.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = true, IncludeMessageUid = true, DuplicateRate = FaultRate, MaxAttempts = 11, RetryBaseDelayMs = 500 });
        await control.SetFaultsAsync(new FaultSettings { ErrorRate = FaultRate });
        string[] channels = ["cha_soak1", "cha_soak2"];
        var idMap = new TableServiceClient(storage).GetTableClient(StorageNames.IdMapTable);
        await idMap.CreateIfNotExistsAsync();
        var conversationsByChannel = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var channel in channels)
        {
            await control.CreateChannelAsync(channel, EndToEndRig.AppUid, EndToEndRig.AppSecret, new Uri(hostUrl, $"api/front/channels/{channel}"));
            await AuthorizeAsync(http, channel);
        }

        // The reply targets: one seeded conversation per 20 conversations of each channel, mapped before the clock starts.
        var conversationsPerChannel = Math.Max(10, notifications / 100);
        var seeds = Math.Max(5, conversationsPerChannel / 20);
        foreach (var channel in channels)
        {
            for (var c = 0; c < seeds; c++)
            {
                await ImportAsync(control, channel, $"soak/{channel}/c{c}/seed", $"soak/{channel}/c{c}", "seed");
            }
        }

        await WaitAsync(async () => (await CountXmAsync(idMap, channels[0])) >= seeds && (await CountXmAsync(idMap, channels[1])) >= seeds, TimeSpan.FromMinutes(2));
        foreach (var channel in channels)
        {
            conversationsByChannel[channel] = [.. (await control.GetChannelAsync(channel)).Conversations.Where(c => c.Messages.Count > 0).Select(c => c.Id)];
        }

        var queues = new QueueServiceClient(storage, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var ingest = queues.GetQueueClient(StorageNames.IngestQueue);
        var outbound = queues.GetQueueClient(StorageNames.OutboundQueue);
        var samples = new ConcurrentQueue<Sample>();
        var imported = 0;
        var importFailures = 0;
        var repliesSent = 0;
        var acknowledged = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                samples.Enqueue(await SampleAsync(pid, ingest, outbound, clock.Elapsed, Volatile.Read(ref imported), Volatile.Read(ref repliesSent)));
                await Task.Delay(SampleEvery, stop.Token).ContinueWith(_ => { });
            }
        });

        // The host dying ends the run at once, with its log named (a background service that throws stops the host).
        using var died = new CancellationTokenSource();
        var watchdog = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && !host.HasExited)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop.Token).ContinueWith(_ => { });
            }

            if (host.HasExited)
            {
                Console.WriteLine($"the local host exited at {clock.Elapsed.TotalMinutes:F1} min: see {workDir.FullName}");
                await died.CancelAsync();
            }
        });

        // The load: imports at their slots, a reply every notifications/replies imports; at most 64 in flight.
        var duration = TimeSpan.FromMinutes(minutes);
        var replyEvery = replies > 0 ? Math.Max(1, notifications / replies) : int.MaxValue;
        using var gate = new SemaphoreSlim(64);
        var work = new List<Task>();
        var lastReport = TimeSpan.Zero;
        for (var i = 0; i < notifications; i++)
        {
            var due = duration * ((double)i / notifications);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, died.Token);
            }

            if (clock.Elapsed - lastReport >= TimeSpan.FromMinutes(1))
            {
                lastReport = clock.Elapsed;
                var last = samples.LastOrDefault();
                Console.WriteLine($"  {clock.Elapsed.TotalMinutes:F0} min: {imported} imported, {repliesSent} replies; RSS {last?.RssMb:F0} MB, threads {last?.Threads}, sockets {last?.Sockets}, backlog {last?.IngestBacklog}+{last?.OutboundBacklog}");
            }

            await gate.WaitAsync(died.Token);
            var n = i;
            var channel = channels[n % 2];
            var conversation = (n / 2) % conversationsPerChannel;
            work.Add(Task.Run(async () =>
            {
                try
                {
                    if (await ImportAsync(control, channel, $"soak/{channel}/c{conversation}/m{n}", $"soak/{channel}/c{conversation}", $"soak {n}"))
                    {
                        Interlocked.Increment(ref imported);
                    }
                    else
                    {
                        Interlocked.Increment(ref importFailures);
                    }

                    if (n % replyEvery == replyEvery - 1)
                    {
                        var targets = conversationsByChannel[channel];
                        if (await ReplyAsync(control, channel, targets[n % targets.Length], $"msg_soak_{n}"))
                        {
                            acknowledged.Add($"msg_soak_{n}");
                        }

                        Interlocked.Increment(ref repliesSent);
                    }
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        await Task.WhenAll(work);
        var loadEnded = clock.Elapsed;
        Console.WriteLine($"load done after {loadEnded.TotalMinutes:F1} min: {imported} imported ({importFailures} refused), {repliesSent} replies ({acknowledged.Count} acknowledged); draining");

        // Drain: every imported message mapped and every acknowledged reply at the partner, or 10 minutes.
        var expected = imported + 2 * seeds;
        await WaitAsync(async () => (await CountXmInboundAsync(idMap, channels)) >= expected && acknowledged.All(partner.Delivered.ContainsKey), TimeSpan.FromMinutes(10));
        var drained = clock.Elapsed;
        await Task.Delay(3 * SampleEvery + TimeSpan.FromSeconds(1)); // three samples of the drained, idle host
        await stop.CancelAsync();
        await sampler;
        await watchdog;
        if (died.IsCancellationRequested)
        {
            throw new InvalidOperationException($"The local host exited during the run: see {workDir.FullName}.");
        }

        var (lost, wrong, checkedRows) = await VerifyAsync(control, idMap, channels);
        var repliesLost = acknowledged.Count(id => !partner.Delivered.ContainsKey(id));
        var list = samples.ToList();
        return Report(list, outputDirectory, stamp, notifications, replies, minutes, loadEnded, drained, lost, wrong, checkedRows, repliesLost, acknowledged.Count, partner.Failed, importFailures);
    }

    private static List<GoalResult> Report(List<Sample> samples, string outputDirectory, string stamp, int notifications, int replies, double minutes, TimeSpan loadEnded,
        TimeSpan drained, int lost, int wrong, int checkedRows, int repliesLost, int acknowledged, int partnerFailures, int importFailures)
    {
        // After warm-up = the median over the second fifth of the load phase. RSS is compared over the last fifth of the load;
        // threads and sockets once the backlog has drained (the host idle: pooled connections that served a peak of the load
        // stay open while traffic lasts, so they are compared at rest, where a leak would keep them).
        var loadMinutes = loadEnded.TotalMinutes;
        var warm = samples.Where(s => s.Minutes >= loadMinutes * 0.2 && s.Minutes <= loadMinutes * 0.4).ToList();
        if (warm.Count == 0)
        {
            warm = [.. samples.Take(Math.Max(1, samples.Count / 3))];
        }

        var lastLoad = samples.Where(s => s.Minutes >= loadMinutes * 0.8 && s.Minutes <= loadMinutes).ToList();
        var end = samples.Where(s => s.Minutes >= drained.TotalMinutes).ToList();
        if (end.Count == 0)
        {
            end = [.. samples.TakeLast(1)];
        }


        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
        }

        double rssWarm = Median(warm.Select(s => s.RssMb)), rssEnd = Median((lastLoad.Count > 0 ? lastLoad : end).Select(s => s.RssMb));
        double threadsWarm = Median(warm.Select(s => (double)s.Threads)), threadsEnd = Median(end.Select(s => (double)s.Threads));
        double socketsWarm = Median(warm.Select(s => (double)s.Sockets)), socketsEnd = Median(end.Select(s => (double)s.Sockets));
        var png = Path.Combine(outputDirectory, $"soak-{stamp}.png");
        SoakPlot.Write(samples, png, $"Soak: {notifications} notifications, {replies} replies over {minutes} min, app paced at Front 100 rpm, 1 % faults");

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Soak run {stamp}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`bash scripts/bench.sh soak {notifications} {replies} {minutes}`: {Environment.ProcessorCount} cores; load average at the end {BenchmarkTable.LoadAverage()}; load phase {loadMinutes:F1} min. Plot: `{Path.GetFileName(png)}`.");
        md.AppendLine();
        md.AppendLine("| Figure | After warm-up | Last fifth of the load | End (drained) | Goal |");
        md.AppendLine("|---|---|---|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| RSS (MB) | {rssWarm:F0} | {rssEnd:F0} | {Median(end.Select(s => s.RssMb)):F0} | last fifth of the load ≤ +10 % |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| threads | {threadsWarm:F0} | {Median(lastLoad.Select(s => (double)s.Threads)):F0} | {threadsEnd:F0} | no growth at the end |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| open sockets | {socketsWarm:F0} | {Median(lastLoad.Select(s => (double)s.Sockets)):F0} | {socketsEnd:F0} | no growth at the end |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| messages lost / wrong | {lost} / {wrong} of {checkedRows} checked | | | 0 / 0 |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| replies lost | {repliesLost} of {acknowledged} acknowledged | | | 0 |");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Faults met: partner 500s {partnerFailures}; imports refused by the simulator {importFailures}.");
        md.AppendLine();
        md.AppendLine("| min | RSS MB | threads | sockets | fds | ingest backlog | outbound backlog | imported | replies |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        var every = Math.Max(1, samples.Count / 40);
        foreach (var s in samples.Where((_, i) => i % every == 0 || i == samples.Count - 1))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {s.Minutes:F1} | {s.RssMb:F0} | {s.Threads} | {s.Sockets} | {s.Fds} | {s.IngestBacklog} | {s.OutboundBacklog} | {s.Imported} | {s.RepliesSent} |");
        }

        var mdPath = Path.Combine(outputDirectory, $"soak-{stamp}.md");
        File.WriteAllText(mdPath, md.ToString());
        Console.WriteLine(md.ToString());
        Console.WriteLine($"written: {png}, {mdPath}");

        var goals = new Goals();
        var detail = $"{notifications} notifications, {replies} replies, {minutes} min";
        goals.Absolute("soak: messages lost + wrong", lost + wrong, "messages", atLeast: false, 0, checkedRows > 0, $"{lost} lost, {wrong} wrong of {checkedRows}; {detail}");
        goals.Absolute("soak: acknowledged replies not delivered", repliesLost, "replies", atLeast: false, 0, acknowledged > 0 || replies == 0, $"{acknowledged} acknowledged; {detail}");
        goals.Ratio("soak: RSS over the last fifth of the load vs after warm-up", rssEnd, rssWarm, "MB", "RSS after warm-up", atLeast: false, 1.10, true, detail);
        goals.Absolute("soak: thread growth after warm-up", threadsEnd - threadsWarm, "threads", atLeast: false, Math.Max(2, threadsWarm * 0.1), true, $"{threadsWarm:F0} → {threadsEnd:F0}");
        goals.Absolute("soak: socket growth after warm-up", socketsEnd - socketsWarm, "sockets", atLeast: false, Math.Max(2, socketsWarm * 0.1), true, $"{socketsWarm:F0} → {socketsEnd:F0}");
        return [.. goals.Results];
    }

    private static async Task<Sample> SampleAsync(int pid, QueueClient ingest, QueueClient outbound, TimeSpan at, int imported, int replies)
    {
        double rssKb = 0;
        var threads = 0;
        foreach (var line in await File.ReadAllLinesAsync($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rssKb = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line.Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }

        int sockets = 0, fds = 0;
        foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
        {
            fds++;
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:", StringComparison.Ordinal))
                {
                    sockets++;
                }
            }
            catch (IOException)
            {
                // closed between the listing and the read
            }
        }

        var ingestCount = (await ingest.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        var outboundCount = (await outbound.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        return new Sample(at.TotalMinutes, rssKb / 1024, threads, sockets, fds, ingestCount, outboundCount, imported, replies);
    }

    /// <summary>Lost = an inbound message Front holds with no xm| row; wrong = an xm| row naming another Front message.</summary>
    private static async Task<(int Lost, int Wrong, int Checked)> VerifyAsync(SimulatorControl control, TableClient idMap, string[] channels)
    {
        int lost = 0, wrong = 0, total = 0;
        foreach (var channel in channels)
        {
            var expected = (await control.GetChannelAsync(channel)).Conversations.SelectMany(c => c.Messages).Where(m => m.IsInbound)
                .ToDictionary(m => IdMapKeys.ExternalMessage(m.ExternalId), m => m.Id, StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {channel} and RowKey ge {"xm|"} and RowKey lt {"xm}"}");
            await foreach (var row in idMap.QueryAsync<TableEntity>(filter, maxPerPage: 1000))
            {
                if (expected.TryGetValue(row.RowKey, out var frontId))
                {
                    seen.Add(row.RowKey);
                    if (row.GetString("MessageId") != frontId)
                    {
                        wrong++;
                    }
                }
            }

            total += expected.Count;
            lost += expected.Count - seen.Count;
        }

        return (lost, wrong, total);
    }

    private static async Task<bool> ImportAsync(SimulatorControl control, string channel, string externalId, string conversation, string body)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                var result = await control.ImportInboundAsync(channel, EndToEndRig.AppUid, EndToEndRig.AppSecret, externalId, conversation, body);
                if (result.StatusCode == 202)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200 * (attempt + 1));
        }

        return false;
    }

    /// <summary>A teammate's reply, redelivered as Front does until the webhook answers 200 (up to 2 minutes).</summary>
    private static async Task<bool> ReplyAsync(SimulatorControl control, string channel, string conversation, string messageId)
    {
        var result = await control.SendTeammateMessageAsync(channel, new TeammateMessage { ConversationId = conversation, MessageId = messageId, Body = "<p>soak reply</p>" });
        var deadline = Stopwatch.StartNew();
        var attempts = 1;
        while (result.Status != 200 && deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(500 * Math.Min(attempts++, 8));
            var again = await control.RedeliverAsync(channel, result.Request);
            result = again with { Request = result.Request };
        }

        return result.Status == 200;
    }

    private static async Task<int> CountXmAsync(TableClient idMap, string channel)
    {
        var count = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {channel} and RowKey ge {"xm|"} and RowKey lt {"xm}"}");
        await foreach (var _ in idMap.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }

    /// <summary>xm| rows of the inbound messages (the replies' rows carry a <c>msg_soak_</c> id and are left out).</summary>
    private static async Task<int> CountXmInboundAsync(TableClient idMap, string[] channels)
    {
        var count = 0;
        foreach (var channel in channels)
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {channel} and RowKey ge {"xm|soak"} and RowKey lt {"xm|soal"}");
            await foreach (var _ in idMap.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey"]))
            {
                count++;
            }
        }

        return count;
    }

    private static async Task WaitAsync(Func<Task<bool>> done, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (!await done() && clock.Elapsed < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    private static async Task AuthorizeAsync(HttpClient http, string channel)
    {
        var body = $"{{\"type\":\"authorization\",\"payload\":{{\"channel_id\":\"{channel}\"}}}}";
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/front/channels") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Front-Request-Timestamp", timestamp);
        request.Headers.Add("X-Front-Signature", FrontSimulator.Notifications.WebhookSigner.Sign(EndToEndRig.AppSecret, timestamp, Encoding.UTF8.GetBytes(body)));
        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"authorization of {channel} answered {(int)response.StatusCode}");
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
