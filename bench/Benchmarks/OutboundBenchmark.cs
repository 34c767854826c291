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
/// <item>at 16 concurrent signed <c>message</c> deliveries through the local host, answer p99 ≤ 1.5 × the p99 of a plain loop
/// doing one table upsert plus one enqueue at the same concurrency (alternating rounds);</item>
/// <item>partner delivery by the queue function (real queue listener, host.json settings) ≥ 0.8 × the throughput of a plain
/// loop of signed POSTs to the same loopback receiver at the same concurrency (host.json batchSize 16).</item>
/// </list>
/// </summary>
public static class OutboundBenchmark
{
    private const string Secret = "bench-secret";

    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int count, int concurrency, int rounds, int deliveries)
    {
        await using var receiver = await Receiver.StartAsync();
        var signingSecret = PartnerOptions.SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var goals = new Goals();
        await AnswersAsync(storage, count, concurrency, rounds, goals);
        await DeliveryAsync(storage, receiver, signingSecret, deliveries, concurrency, goals);
        return goals.Results;
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

    private static async Task AnswersAsync(string storage, int count, int concurrency, int rounds, Goals goals)
    {
        var app = Host(storage, new Dictionary<string, string?> { ["LocalHost:RunQueueListener"] = "false", [PartnerOptions.DisabledSetting] = "true" });
        await app.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 }) { BaseAddress = new Uri(app.Urls.First()) };
        var queue = new QueueServiceClient(storage, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }).GetQueueClient(StorageNames.OutboundQueue);
        var table = new TableServiceClient(storage).GetTableClient(StorageNames.IdMapTable);
        await queue.CreateIfNotExistsAsync();
        await table.CreateIfNotExistsAsync();

        // Warm-up: connections, JIT, storage creation.
        await Answer(http, "cha_benchwarm", 0);
        var answers = new List<LatencyRecorder.Result>();
        var plain = new List<LatencyRecorder.Result>();
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
            answers.Add(await LatencyRecorder.RunAsync("message answer (local host)", count, concurrency, i => Answer(http, channel, i)));
        }

        foreach (var (p, a) in plain.Zip(answers))
        {
            Console.WriteLine(p);
            Console.WriteLine(a);
        }

        var plainP99 = plain.Average(r => r.P99);
        var answerP99 = answers.Average(r => r.P99);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mean over {rounds} rounds: plain p50 {plain.Average(r => r.P50):F2} ms p99 {plainP99:F2} ms; answer p50 {answers.Average(r => r.P50):F2} ms p99 {answerP99:F2} ms"));
        var failures = answers.Sum(r => r.Failures) + plain.Sum(r => r.Failures);
        goals.Ratio($"message answer p99, {concurrency} concurrent", answerP99, plainP99, "ms", "upsert + enqueue loop", atLeast: false, 1.5, failures == 0,
            failures == 0 ? null : $"{failures} failed requests");
        await queue.ClearMessagesAsync();
        await app.StopAsync();
    }

    private static async Task DeliveryAsync(string storage, Receiver receiver, string signingSecret, int deliveries, int concurrency, Goals goals)
    {
        // Plain loop first: signed POSTs to the same receiver at the same concurrency.
        var key = Convert.FromBase64String(signingSecret[PartnerOptions.SecretPrefix.Length..]);
        var bodies = Enumerable.Range(0, deliveries).Select(i => Encoding.UTF8.GetBytes(EventJson(i))).ToArray();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 });
        var plain = await LatencyRecorder.RunAsync("plain signed POST loop", deliveries, concurrency, async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, receiver.Url) { Content = new ByteArrayContent(bodies[i]) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            request.Headers.Add("webhook-id", "msg_plain" + i);
            request.Headers.Add("webhook-timestamp", ts.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", StandardWebhookSigner.Sign(key, "msg_plain" + i, ts, bodies[i]));
            using var response = await http.SendAsync(request);
            return response.IsSuccessStatusCode;
        });
        Console.WriteLine(plain);

        // The queue function: items enqueued first, then the host starts; throughput from the first to the last arrival.
        var queue = new QueueServiceClient(storage, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }).GetQueueClient(StorageNames.OutboundQueue);
        await queue.CreateIfNotExistsAsync();
        var channel = "cha_bench" + Guid.NewGuid().ToString("N")[..8];

        // Reference floor with the queue in between: 16 workers each receive up to 32 items, POST each signed, delete it.
        await queue.ClearMessagesAsync();
        await FillAsync(queue, channel, deliveries, concurrency);
        receiver.Reset();
        var drained = 0;
        var drain = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Volatile.Read(ref drained) < deliveries)
            {
                var batch = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value;
                if (batch.Length == 0)
                {
                    if (Volatile.Read(ref drained) >= deliveries)
                    {
                        break;
                    }

                    await Task.Delay(10);
                    continue;
                }

                foreach (var message in batch)
                {
                    var text = message.Body.ToString();
                    var body = Encoding.UTF8.GetBytes(System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("event").GetString()!);
                    using var request = new HttpRequestMessage(HttpMethod.Post, receiver.Url) { Content = new ByteArrayContent(body) };
                    var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                    request.Headers.Add("webhook-id", "msg_drain");
                    request.Headers.Add("webhook-timestamp", ts.ToString(CultureInfo.InvariantCulture));
                    request.Headers.Add("webhook-signature", StandardWebhookSigner.Sign(key, "msg_drain", ts, body));
                    using var response = await http.SendAsync(request);
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                    Interlocked.Increment(ref drained);
                }
            }
        }));
        var drainRps = deliveries / drain.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plain queue drain + POST loop  {deliveries,6} ops  concurrency {concurrency,2}  {drainRps,8:F0} ops/s (receive 32, POST, delete each)"));

        await queue.ClearMessagesAsync();
        await FillAsync(queue, channel, deliveries, concurrency);
        receiver.Reset();
        var app = Host(storage, new Dictionary<string, string?>
        {
            ["LocalHost:RunQueueListener"] = "true",
            ["Partner:OutboundUrl"] = receiver.Url.AbsoluteUri,
            ["Partner:SigningSecret"] = signingSecret,
            [PartnerOptions.DisabledSetting] = "false",
        });
        await app.StartAsync();
        var deadline = Stopwatch.StartNew();
        while (receiver.Count < deliveries && deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(50);
        }

        await app.StopAsync();
        var (first, last) = receiver.Span;
        var seconds = (last - first).TotalSeconds;
        var functionRps = seconds > 0 ? (receiver.Count - 1) / seconds : double.NaN;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"queue delivery function        {receiver.Count,6} of {deliveries} delivered  {functionRps,8:F0} ops/s (first to last arrival, {seconds:F1} s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"delivery/queue-drain reference {functionRps / drainRps:F2}"));
        goals.Ratio("partner delivery throughput (queue function)", functionRps, plain.RequestsPerSecond, "deliveries/s", "signed-POST loop", atLeast: true, 0.8,
            plain.Failures == 0 && receiver.Count >= deliveries, $"{receiver.Count} of {deliveries} delivered");
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
        return response.IsSuccessStatusCode;
    }

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

    /// <summary>The partner: answers 204 and records when each POST arrived.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<long> _arrivals = new();

        private Receiver(WebApplication app) => _app = app;

        public Uri Url { get; private set; } = null!;
        public int Count => _arrivals.Count;

        public (TimeSpan First, TimeSpan Last) Span =>
            _arrivals.IsEmpty ? (TimeSpan.Zero, TimeSpan.Zero) : (Stopwatch.GetElapsedTime(0, _arrivals.Min()), Stopwatch.GetElapsedTime(0, _arrivals.Max()));

        public void Reset() => _arrivals.Clear();

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/events", async (HttpContext c) =>
            {
                await c.Request.Body.CopyToAsync(Stream.Null);
                receiver._arrivals.Enqueue(Stopwatch.GetTimestamp());
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
