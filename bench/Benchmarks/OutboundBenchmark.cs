using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.Front;
using FrontFunctions.LocalHost;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 11's goals for the two-way channel, in one run against one Azurite:
/// <list type="number">
/// <item>at 16 concurrent signed <c>message</c> deliveries through the local host, answer p99 ≤ 1.5 × the p99 of its floor,
/// a bare loopback route doing the answer's own storage requests (<see cref="AnswerFloor"/>), at the same concurrency
/// (alternating rounds). Issue 11 set the bound against a plain loop doing one table upsert plus one enqueue; the answer
/// must do more than that (for a new conversation a read and two inserts, then the message's rows and the enqueue), so
/// issue 22 (point 7) holds it against the floor and that loop's ratio stays in the detail;</item>
/// <item>partner delivery by the queue function (the local host's WebJobs queue listener with host.json's queue settings)
/// ≥ 0.8 × the throughput of a plain loop that drains the same queue (receive a batch, signed POST of each, delete it) at
/// the same concurrency (issue 22, point 7): the listener's own — a batch of <c>batchSize</c> run at once, the next
/// received when no more than <c>newBatchThreshold</c> are in flight (<see cref="ListenerDrain"/>, as the enrich
/// benchmark's loop). With a receiver that answers in 20 ms a batch finishes nearly together, so the listener's in-flight
/// count saws between a batch and none; <c>batchSize</c> workers each draining a batch in turn keep a batch in flight
/// all the time (kept as a reference, with the loop of signed POSTs alone). The receiver answers after a set latency
/// (default 20 ms, as a real partner takes milliseconds), and the comparison runs again at 0 ms. A loop of signed POSTs
/// alone (no queue) is kept as a reference, not a goal: it does not model a queue.</item>
/// </list>
/// <see cref="MeasureAsync"/> returns each goal as an <see cref="OutboundFigure"/> (figure, baseline, ratio, goal);
/// <see cref="RunAsync"/> prints them as a table.
/// </summary>
public static class OutboundBenchmark
{
    private const string Secret = "bench-secret";

    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int count, int concurrency, int rounds, int deliveries, int receiverLatencyMs = 20)
    {
        var (figures, failures) = await MeasureAsync(storage, count, concurrency, rounds, deliveries, receiverLatencyMs);
        Console.WriteLine();
        Console.WriteLine($"{"outbound figure",-52} {"figure",10} {"baseline",10} {"ratio",6}  goal");
        foreach (var f in figures)
        {
            Console.WriteLine(f);
        }

        if (failures > 0)
        {
            Console.WriteLine($"{failures} operation(s) failed");
        }

        // Each goal a row of the table; a reference figure (no goal) is told in the detail of the goal measured beside it.
        var goals = new Goals();
        var complete = failures == 0;
        var failed = complete ? null : $"{failures} failed operations";
        for (var i = 0; i < figures.Count; i++)
        {
            var f = figures[i];
            if (f.Goal is not { } bound)
            {
                continue;
            }

            var references = figures.Skip(i + 1).TakeWhile(r => r.Goal is null)
                .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Name}: {r.Baseline:F1}, ratio {r.Ratio:F2}"));
            var detail = string.Join("; ", references.Append(failed).Where(d => d is not null));
            var name = f.Name.Replace(" (ms)", "", StringComparison.Ordinal).Replace(" (ops/s)", "", StringComparison.Ordinal);
            var unit = f.Name.EndsWith("(ms)", StringComparison.Ordinal) ? "ms" : "deliveries/s";
            var baselineName = f.LowerIsBetter ? "its floor: a bare loopback route doing the answer's storage requests" : "queue drain + signed POST loop, the listener's concurrency";
            goals.Ratio(name, f.Figure, f.Baseline, unit, baselineName, atLeast: !f.LowerIsBetter, bound, complete, detail.Length == 0 ? null : detail);
        }

        return goals.Results;
    }

    /// <summary>The figures of one run, and how many operations failed (a failed operation makes the run invalid).</summary>
    public static async Task<(IReadOnlyList<OutboundFigure> Figures, int Failures)> MeasureAsync(
        string storage, int count, int concurrency, int rounds, int deliveries, int receiverLatencyMs = 20)
    {
        var signingSecret = PartnerOptions.SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var figures = new List<OutboundFigure>();
        var (answer, failures) = await AnswersAsync(storage, count, concurrency, rounds);
        figures.AddRange(answer);
        foreach (var latency in new[] { receiverLatencyMs, 0 }.Distinct())
        {
            var (delivery, failed) = await DeliveryAsync(storage, signingSecret, deliveries, TimeSpan.FromMilliseconds(latency));
            figures.AddRange(delivery);
            failures += failed;
        }

        return (figures, failures);
    }

    private static WebApplication Host(string storage, IDictionary<string, string?> extra) => LocalFunctionsHost.Build([], builder =>
    {
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["Front:AppUid"] = "bench-app",
            ["Front:AppSecret"] = Secret,
            ["Front:PublicBaseUrl"] = "http://127.0.0.1",
            ["Front:ApiBaseUrl"] = "http://127.0.0.1:9",
            ["LocalHost:FunctionKey"] = "bench",
        };
        foreach (var (k, v) in extra)
        {
            values[k] = v;
        }

        builder.Configuration.AddInMemoryCollection(values);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
    });

    private static async Task<(IReadOnlyList<OutboundFigure> Figures, int Failures)> AnswersAsync(string storage, int count, int concurrency, int rounds)
    {
        var app = Host(storage, new Dictionary<string, string?> { ["LocalHost:RunQueueListener"] = "false", [PartnerOptions.DisabledSetting] = "true" });
        await app.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 }) { BaseAddress = new Uri(app.Urls.First()) };
        var queue = new QueueServiceClient(storage, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }).GetQueueClient(StorageNames.OutboundQueue);
        var table = new TableServiceClient(storage).GetTableClient(StorageNames.IdMapTable);
        await queue.CreateIfNotExistsAsync();
        await table.CreateIfNotExistsAsync();

        // Warm-up, both sides alike (as the latency benchmark does): connections, storage creation, and enough calls for
        // the tiered JIT to compile the hot paths of the host and of the plain loop's clients.
        await Answer(http, "cha_benchwarm", 0);
        await LatencyRecorder.RunAsync("warm-up", 500, concurrency, i => Answer(http, "cha_benchwarm", i));
        await LatencyRecorder.RunAsync("warm-up", 500, concurrency, async i =>
            (await table.UpsertEntityAsync(new TableEntity("cha_benchwarm", "plain|" + i) { ["ExternalId"] = "front:msg_" + i })).Status < 300
            && (await queue.SendMessageAsync(BinaryData.FromString("warm-up"))).GetRawResponse().Status == 201);
        await using var floorRoute = await AnswerFloor.StartAsync(table, queue);
        using var floorHttp = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 }) { BaseAddress = floorRoute.Url };
        async Task<bool> Floor(string channel, int i)
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(MessageJson(i)));
            using var response = await floorHttp.PostAsync($"/floor/{channel}/{i}", content);
            return response.IsSuccessStatusCode;
        }

        await LatencyRecorder.RunAsync("warm-up", 500, concurrency, i => Floor("cha_benchfloorwarm", i));
        var answers = new List<LatencyRecorder.Result>();
        var plain = new List<LatencyRecorder.Result>();
        var floors = new List<LatencyRecorder.Result>();
        for (var round = 0; round < rounds; round++)
        {
            var channel = "cha_bench" + Guid.NewGuid().ToString("N")[..8];
            var item = Encoding.UTF8.GetBytes(new string('x', 1500)); // about the size of an outbound item
            await queue.ClearMessagesAsync();
            plain.Add(await LatencyRecorder.RunAsync("plain upsert + enqueue", count, concurrency, async i =>
            {
                var upsert = await table.UpsertEntityAsync(new TableEntity(channel, "plain|" + i) { ["ExternalId"] = "front:msg_" + i, ["ConversationId"] = "cnv_" + (i / 10) });
                var send = await queue.SendMessageAsync(BinaryData.FromBytes(item));
                return upsert.Status < 300 && send.GetRawResponse().Status == 201;
            }));
            await queue.ClearMessagesAsync();
            var floorChannel = "cha_benchfloor" + Guid.NewGuid().ToString("N")[..8];
            floors.Add(await LatencyRecorder.RunAsync("floor: HTTP + the answer's storage", count, concurrency, i => Floor(floorChannel, i)));
            await queue.ClearMessagesAsync();
            answers.Add(await LatencyRecorder.RunAsync("message answer (local host)", count, concurrency, i => Answer(http, channel, i)));
        }

        for (var round = 0; round < rounds; round++)
        {
            Console.WriteLine(plain[round]);
            Console.WriteLine(floors[round]);
            Console.WriteLine(answers[round]);
        }

        if (!AnswerFailures.IsEmpty)
        {
            Console.WriteLine("failed answers by status: " + string.Join(", ", AnswerFailures.OrderBy(p => p.Key).Select(p => $"{p.Key} × {p.Value}")));
        }

        var plainP99 = plain.Average(r => r.P99);
        var answerP99 = answers.Average(r => r.P99);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mean over {rounds} rounds: plain p50 {plain.Average(r => r.P50):F2} ms p99 {plainP99:F2} ms; answer p50 {answers.Average(r => r.P50):F2} ms p99 {answerP99:F2} ms"));
        await queue.ClearMessagesAsync();
        await app.StopAsync();
        var floorP99 = floors.Average(r => r.P99);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"floor (HTTP + the answer's storage) p50 {floors.Average(r => r.P50):F2} ms p99 {floorP99:F2} ms"));
        return ([
            new OutboundFigure($"message answer p99, concurrency {concurrency} (ms)", answerP99, floorP99, LowerIsBetter: true, Goal: 1.5),
            new OutboundFigure($"message answer p99 vs the issue's upsert + enqueue loop, concurrency {concurrency} (ms)", answerP99, plainP99, LowerIsBetter: true, Goal: null),
        ], answers.Sum(r => r.Failures) + plain.Sum(r => r.Failures) + floors.Sum(r => r.Failures));
    }

    private static async Task<(IReadOnlyList<OutboundFigure> Figures, int Failures)> DeliveryAsync(string storage, string signingSecret, int deliveries, TimeSpan latency)
    {
        await using var receiver = await Receiver.StartAsync(latency);
        var ms = latency.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture);
        Console.WriteLine();
        Console.WriteLine($"partner delivery, receiver answering after {ms} ms:");
        var queue = new QueueServiceClient(storage, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }).GetQueueClient(StorageNames.OutboundQueue);
        await queue.CreateIfNotExistsAsync();
        var channel = "cha_bench" + Guid.NewGuid().ToString("N")[..8];
        await queue.ClearMessagesAsync();
        await FillAsync(queue, channel, deliveries, 16);

        // The queue function first (items enqueued, then the host starts; throughput from the first to the last arrival):
        // its concurrency is what the listener runs at once, from the host's own queue options.
        var app = Host(storage, new Dictionary<string, string?>
        {
            ["LocalHost:RunQueueListener"] = "true",
            ["Partner:OutboundUrl"] = receiver.Url.AbsoluteUri,
            ["Partner:SigningSecret"] = signingSecret,
            [PartnerOptions.DisabledSetting] = "false",
        });
        var batchSize = app.Configuration.GetValue("AzureFunctionsJobHost:extensions:queues:batchSize", 16);
        var newBatchThreshold = app.Configuration.GetValue("AzureFunctionsJobHost:extensions:queues:newBatchThreshold", batchSize / 2);
        var concurrency = batchSize; // what the listener has in flight: one batch (see the summary)
        await app.StartAsync();
        var deadline = Stopwatch.StartNew();
        while (receiver.Count < deliveries && deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(20);
        }

        var (first, last) = receiver.Span;
        await app.StopAsync();
        var seconds = (last - first).TotalSeconds;
        var delivered = receiver.Count;
        var functionRps = seconds > 0 ? (delivered - 1) / seconds : double.NaN;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"queue delivery function",-28} {delivered,6} of {deliveries} delivered  batchSize {batchSize} + newBatchThreshold {newBatchThreshold}  {functionRps,8:F0} ops/s (first to last arrival, {seconds:F1} s; at most {receiver.MaxInFlight} at the receiver at once)"));

        // The plain loop: signed POSTs to the same receiver, as many at once as the listener runs at most.
        var key = Convert.FromBase64String(signingSecret[PartnerOptions.SecretPrefix.Length..]);
        var bodies = Enumerable.Range(0, deliveries).Select(i => Encoding.UTF8.GetBytes(EventJson(i))).ToArray();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 });
        await Post(http, receiver.Url, key, "msg_warm", bodies[0]);
        receiver.Reset();
        var plain = await LatencyRecorder.RunAsync("plain signed POST loop", deliveries, concurrency, i => Post(http, receiver.Url, key, "msg_plain" + i, bodies[i]));
        Console.WriteLine($"{plain} (at most {receiver.MaxInFlight} at the receiver at once)");

        // Reference: the same queue drained by a plain loop (each worker receives up to batchSize, POSTs each signed, deletes it).
        await queue.ClearMessagesAsync();
        await FillAsync(queue, channel, deliveries, 16);
        receiver.Reset();
        var drained = 0;
        var drain = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Volatile.Read(ref drained) < deliveries)
            {
                var batch = (await queue.ReceiveMessagesAsync(batchSize, TimeSpan.FromSeconds(30))).Value;
                if (batch.Length == 0)
                {
                    await Task.Delay(10);
                    continue;
                }

                foreach (var message in batch)
                {
                    var body = Encoding.UTF8.GetBytes(System.Text.Json.JsonDocument.Parse(message.Body.ToString()).RootElement.GetProperty("event").GetString()!);
                    await Post(http, receiver.Url, key, "msg_drain", body);
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                    Interlocked.Increment(ref drained);
                }
            }
        }));
        var drainRps = deliveries / drain.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"plain queue drain + POST",-28} {deliveries,6} ops  concurrency {concurrency,2}  {drainRps,8:F0} ops/s (receive {batchSize}, POST, delete each; at most {receiver.MaxInFlight} at the receiver at once)"));

        // The goal's baseline: the same queue drained with the listener's own dispatch (a batch of batchSize received when no
        // more than newBatchThreshold are in flight, each message POSTed signed and deleted on its own), as the enrich
        // benchmark's plain loop does: what any queue-triggered function on the Functions host can reach.
        await queue.ClearMessagesAsync();
        await FillAsync(queue, channel, deliveries, 16);
        receiver.Reset();
        var listenerRps = (await ListenerDrain.RunAsync(queue, deliveries, batchSize, newBatchThreshold,
            async message =>
            {
                var body = Encoding.UTF8.GetBytes(System.Text.Json.JsonDocument.Parse(message.Body.ToString()).RootElement.GetProperty("event").GetString()!);
                await Post(http, receiver.Url, key, "msg_listener", body);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            })).PerSecond;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"listener-style drain + POST",-28} {deliveries,6} ops  batch {batchSize} + {newBatchThreshold}  {listenerRps,8:F0} ops/s (a batch when ≤ {newBatchThreshold} in flight; at most {receiver.MaxInFlight} at the receiver at once)"));
        await queue.ClearMessagesAsync();

        return ([
            new OutboundFigure($"partner delivery vs queue drain + POST, receiver {ms} ms (ops/s)", functionRps, listenerRps, LowerIsBetter: false, Goal: 0.8),
            new OutboundFigure($"partner delivery vs {batchSize} workers each draining a batch in turn, receiver {ms} ms (ops/s)", functionRps, drainRps, LowerIsBetter: false, Goal: null),
            new OutboundFigure($"partner delivery vs signed POST loop (no queue), receiver {ms} ms (ops/s)", functionRps, plain.RequestsPerSecond, LowerIsBetter: false, Goal: null),
        ], plain.Failures + (delivered >= deliveries ? 0 : 1));
    }

    private static async Task<bool> Post(HttpClient http, Uri url, byte[] key, string webhookId, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", ts.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", StandardWebhookSigner.Sign(key, webhookId, ts, body));
        using var response = await http.SendAsync(request);
        return response.IsSuccessStatusCode;
    }

    private static Task FillAsync(QueueClient queue, string channel, int deliveries, int concurrency) =>
        Parallel.ForEachAsync(Enumerable.Range(0, deliveries), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            var item = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["version"] = 1,
                ["webhook_id"] = OutboundItem.WebhookIdFor(channel, "front:msg_" + i),
                ["channel_id"] = channel,
                ["message_id"] = "msg_" + i,
                ["external_id"] = "front:msg_" + i,
                ["event"] = EventJson(i),
            });
            await queue.SendMessageAsync(item, ct);
        });

    private static async Task<bool> Answer(HttpClient http, string channel, int i)
    {
        var body = Encoding.UTF8.GetBytes(MessageJson(i));
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/front/channels/{channel}") { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-Front-Request-Timestamp", timestamp);
        request.Headers.Add("X-Front-Signature", FrontSimulator.Notifications.WebhookSigner.Sign(Secret, timestamp, body));
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            AnswerFailures.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
        }

        return response.IsSuccessStatusCode;
    }

    /// <summary>Failed answers by status code (printed after the rounds).</summary>
    private static readonly ConcurrentDictionary<int, int> AnswerFailures = new();

    private static string MessageJson(int i) =>
        "{\"type\":\"message\",\"payload\":{\"_links\":{\"self\":\"https://acme.api.frontapp.com/messages/msg_" + i
        + "\",\"related\":{\"conversation\":\"https://acme.api.frontapp.com/conversations/cnv_" + (i / 10)
        + "\"}},\"id\":\"msg_" + i + "\",\"type\":\"custom\",\"is_inbound\":false,\"created_at\":1700000000.5,"
        + "\"author\":{\"id\":\"tea_1\",\"email\":\"ada@example.com\",\"username\":\"ada\",\"first_name\":\"Ada\",\"last_name\":\"L\"},"
        + "\"recipients\":[{\"handle\":\"+15550100\",\"role\":\"to\",\"name\":null}],\"body\":\"<p>Reply " + i + "</p>\",\"text\":\"Reply " + i
        + "\",\"attachments\":[]}}";

    private static string EventJson(int i) =>
        "{\"type\":\"message\",\"timestamp\":\"2023-11-14T22:13:20.500Z\",\"data\":{\"channel_id\":\"cha_bench\",\"message_id\":\"msg_" + i
        + "\",\"conversation_id\":\"cnv_1\",\"external_id\":\"front:msg_" + i + "\",\"external_conversation_id\":\"conv-1\",\"text\":\"Reply " + i
        + "\",\"body\":\"<p>Reply " + i + "</p>\",\"attachments\":[]}}";

    /// <summary>The partner: answers 204 after <c>latency</c> and records when each POST arrived.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<long> _arrivals = new();
        private int _inFlight;
        private int _maxInFlight;

        private Receiver(WebApplication app) => _app = app;

        public Uri Url { get; private set; } = null!;
        public int Count => _arrivals.Count;

        public (TimeSpan First, TimeSpan Last) Span =>
            _arrivals.IsEmpty ? (TimeSpan.Zero, TimeSpan.Zero) : (Stopwatch.GetElapsedTime(0, _arrivals.Min()), Stopwatch.GetElapsedTime(0, _arrivals.Max()));

        /// <summary>The most requests the receiver held at once since the last <see cref="Reset"/>.</summary>
        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public void Reset()
        {
            _arrivals.Clear();
            Volatile.Write(ref _maxInFlight, 0);
        }

        public static async Task<Receiver> StartAsync(TimeSpan latency)
        {
            var app = LoopbackApp.Build();
            var receiver = new Receiver(app);
            app.MapPost("/events", async (HttpContext c) =>
            {
                var now = Interlocked.Increment(ref receiver._inFlight);
                int max;
                while (now > (max = Volatile.Read(ref receiver._maxInFlight)) && Interlocked.CompareExchange(ref receiver._maxInFlight, now, max) != max)
                {
                }

                await c.Request.Body.CopyToAsync(Stream.Null);
                receiver._arrivals.Enqueue(Stopwatch.GetTimestamp());
                if (latency > TimeSpan.Zero)
                {
                    await Task.Delay(latency);
                }

                Interlocked.Decrement(ref receiver._inFlight);

                c.Response.StatusCode = 204;
            });
            await app.StartAsync();
            receiver.Url = new Uri(new Uri(app.Urls.First()), "/events");
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

/// <summary>One goal of the benchmark: the figure measured, its baseline in the same run, their ratio, the goal for the ratio.</summary>
public sealed record OutboundFigure(string Name, double Figure, double Baseline, bool LowerIsBetter, double? Goal)
{
    public double Ratio => Figure / Baseline;

    /// <summary>Null for a reference figure without a goal.</summary>
    public bool? Met => Goal is { } goal ? (LowerIsBetter ? Ratio <= goal : Ratio >= goal) : null;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name,-52} {Figure,10:F2} {Baseline,10:F2} {Ratio,6:F2}  {(Goal is { } g ? $"{(LowerIsBetter ? "≤" : "≥")} {g:F2}: {(Met == true ? "met" : "not met")}" : "(reference)")}");
}
