using System.Globalization;
using System.Text;
using Azure.Storage.Queues;
using FrontFunctions.Ingest;
using FrontFunctions.LocalHost;
using FrontFunctions.Storage;
using FrontSimulator.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 12's goal: at 16 and at 64 concurrent senders, signed message_imported notifications through the local host reach
/// ≥ 0.9 × the throughput of a plain enqueue loop into the same Azurite, with p99 ≤ 1.3 × the plain loop's p99.
/// Both run in the same process, against the same Azurite, one after the other, in alternating rounds.
/// </summary>
public static class IngestBenchmark
{
    private const string Secret = "bench-secret";

    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int count, int[] concurrencies, int rounds)
    {
        var maxConcurrency = concurrencies.Max();
        var app = LocalFunctionsHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = storage,
                ["Front:AppUid"] = "bench-app",
                ["Front:AppSecret"] = Secret,
                ["Front:PublicBaseUrl"] = "http://127.0.0.1",
                ["LocalHost:RunQueueListener"] = "false",
                ["LocalHost:FunctionKey"] = "bench",
            });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
        });
        await app.StartAsync();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = maxConcurrency * 2 }) { BaseAddress = new Uri(app.Urls.First()) };
        var queue = new QueueServiceClient(storage, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 })
            .GetQueueClient(StorageNames.IngestQueue);
        await queue.CreateIfNotExistsAsync();

        var bodies = Enumerable.Range(0, count).Select(i => Encoding.UTF8.GetBytes(Envelope(i))).ToArray();
        // What the plain loop enqueues: the same queue item the webhook writes for each body.
        var items = bodies.Select((b, i) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
            new IngestNotification
            {
                DeliveryKey = IngestNotification.DeliveryKeyFor("cha_bench", $"msg_{i}"),
                ChannelId = "cha_bench",
                ReceivedAt = DateTimeOffset.UtcNow,
                MessageId = $"msg_{i}",
                ConversationId = $"cnv_{i / 10}",
                ExternalConversationIds = [$"conv-{i / 10}"],
                Envelope = System.Text.Json.JsonDocument.Parse(b).RootElement,
            },
            IngestJsonContext.Default.IngestNotification)).ToArray();

        // Warm-up: connections (as many as the widest run opens), JIT, queue creation.
        await LatencyRecorder.RunAsync("warm-up", Math.Min(count, maxConcurrency * 4), maxConcurrency, i => Ingest(http, bodies, i));
        await LatencyRecorder.RunAsync("warm-up", Math.Min(count, maxConcurrency * 4), maxConcurrency, async i =>
            (await queue.SendMessageAsync(BinaryData.FromBytes(items[i]))).GetRawResponse().Status == 201);

        var goals = new Goals();
        foreach (var concurrency in concurrencies)
        {
            var ingest = new List<LatencyRecorder.Result>();
            var plain = new List<LatencyRecorder.Result>();
            for (var round = 0; round < rounds; round++)
            {
                await queue.ClearMessagesAsync();
                plain.Add(await LatencyRecorder.RunAsync("plain enqueue loop", count, concurrency, async i =>
                {
                    var response = await queue.SendMessageAsync(BinaryData.FromBytes(items[i]));
                    return response.GetRawResponse().Status == 201;
                }));
                await queue.ClearMessagesAsync();
                ingest.Add(await LatencyRecorder.RunAsync("webhook ingest (local host)", count, concurrency, i => Ingest(http, bodies, i)));
            }

            foreach (var (p, w) in plain.Zip(ingest))
            {
                Console.WriteLine(p);
                Console.WriteLine(w);
            }

            var plainRps = plain.Average(r => r.RequestsPerSecond);
            var ingestRps = ingest.Average(r => r.RequestsPerSecond);
            var plainP99 = plain.Average(r => r.P99);
            var ingestP99 = ingest.Average(r => r.P99);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{concurrency} senders, mean over {rounds} rounds: plain {plainRps:F0} ops/s p50 {plain.Average(r => r.P50):F2} ms p99 {plainP99:F2} ms; ingest {ingestRps:F0} req/s p50 {ingest.Average(r => r.P50):F2} ms p99 {ingestP99:F2} ms"));
            var failures = ingest.Sum(r => r.Failures) + plain.Sum(r => r.Failures);
            var detail = failures == 0 ? null : $"{failures} failed requests";
            goals.Ratio($"webhook ingest throughput, {concurrency} senders", ingestRps, plainRps, "req/s", "plain enqueue loop", atLeast: true, 0.9, failures == 0, detail);
            goals.Ratio($"webhook ingest p99, {concurrency} senders", ingestP99, plainP99, "ms", "plain enqueue loop", atLeast: false, 1.3, failures == 0, detail);
        }

        await app.StopAsync();
        return goals.Results;
    }

    private static async Task<bool> Ingest(HttpClient http, byte[][] bodies, int i)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/front/channels/cha_bench") { Content = new ByteArrayContent(bodies[i]) };
        request.Headers.Add("X-Front-Request-Timestamp", timestamp);
        request.Headers.Add("X-Front-Signature", WebhookSigner.Sign(Secret, timestamp, bodies[i]));
        using var response = await http.SendAsync(request);
        return response.IsSuccessStatusCode;
    }

    private static string Envelope(int i)
    {
        var conversation = i / 10;
        return "{\"type\":\"message_imported\",\"payload\":{\"_links\":{\"self\":\"https://acme.api.frontapp.com/messages/msg_" + i
            + "\",\"related\":{\"conversation\":\"https://acme.api.frontapp.com/conversations/cnv_" + conversation
            + "\"}},\"id\":\"msg_" + i + "\",\"type\":\"custom\",\"is_inbound\":true,\"created_at\":1700000000.5,\"body\":\"Message " + i
            + " from the partner system\",\"text\":\"Message " + i + "\"},\"metadata\":{\"external_conversation_id\":\"conv-" + conversation
            + "\",\"external_conversation_ids\":[\"conv-" + conversation + "\"]}}";
    }
}
