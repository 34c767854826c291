using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FrontFunctions.Demo;

/// <summary>The demo's steps, in the order Program.cs runs them.</summary>
internal static class DemoSteps
{
    /// <summary>1. <c>authorization</c>, signed as Front signs it; the app answers the channel's webhook URL.</summary>
    public static async Task AuthorizeChannelAsync(DemoContext demo)
    {
        var body = JsonSerializer.Serialize(new { type = "authorization", payload = new { channel_id = demo.ChannelId } });
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(demo.App, "api/front/channels")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Front-Request-Timestamp", timestamp);
        request.Headers.Add("X-Front-Signature", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(demo.Secret), Encoding.UTF8.GetBytes($"{timestamp}:{body}"))));
        using var response = await demo.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        demo.WebhookUrl = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("webhook_url").GetString()!;
        Console.WriteLine($"authorized {demo.ChannelId}; Front will notify {demo.WebhookUrl}");
    }

    /// <summary>2. The channel in the Front simulator, notifying the app's webhook URL.</summary>
    public static Task CreateChannelInFrontAsync(DemoContext demo) =>
        demo.Front.CreateChannelAsync(demo.ChannelId, demo.AppUid, demo.Secret, new Uri(demo.WebhookUrl!));

    /// <summary>
    /// 3. Three threads of three messages each, posted to the app's import API as the partner system would (Front's
    /// <c>InboundMessage</c> body). The app calls Front's sync endpoint, paced by Front's rate limit; a 503 (Front still
    /// limiting after the app's retries) is retried here, which is safe: an external id is imported once.
    /// </summary>
    public static async Task ImportThroughTheAppAsync(DemoContext demo)
    {
        foreach (var thread in new[] { "sms:+15550100", "sms:+15550101", "ticket/42 #urgent" })
        {
            for (var i = 1; i <= 3; i++)
            {
                var externalId = $"{thread}/message-{i}";
                var body = new JsonObject
                {
                    ["sender"] = new JsonObject { ["handle"] = thread.StartsWith("sms:", StringComparison.Ordinal) ? thread[4..] : "customer@example.com" },
                    ["body"] = $"Demo message {i}",
                    ["metadata"] = new JsonObject { ["external_id"] = externalId, ["external_conversation_id"] = thread },
                }.ToJsonString();
                for (var attempt = 1; ; attempt++)
                {
                    using var request = demo.AppRequest(HttpMethod.Post, $"api/channels/{demo.ChannelId}/inbound_messages");
                    request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                    using var response = await demo.Http.SendAsync(request);
                    var answer = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                    {
                        var record = JsonNode.Parse(answer)!;
                        var uid = record["message_uid"]!.GetValue<string>();
                        demo.Imported.Add((externalId, thread, uid));
                        Console.WriteLine($"POST /api/channels/{demo.ChannelId}/inbound_messages {externalId,-28} → {(int)response.StatusCode} {record["status"]} message_uid {uid}");
                        break;
                    }

                    if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.Conflict && attempt < 10)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1));
                        continue;
                    }

                    throw new DemoFailedException($"Import of {externalId} answered {(int)response.StatusCode}: {answer}");
                }
            }
        }

        Console.WriteLine($"imported {demo.Imported.Count} messages into {demo.Imported.Select(m => m.Thread).Distinct().Count()} conversations; waiting for Front's notifications…");
    }

    /// <summary>4. Polls the lookup API until every import is <c>imported</c> (deadline 60 s), then prints the map.</summary>
    public static async Task PrintTheMapAsync(DemoContext demo)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        Console.WriteLine();
        Console.WriteLine($"{"external message id",-28} {"status",-9} {"Front message",-24} {"Front conversation",-24} external conversation ids");
        foreach (var (externalId, _, _) in demo.Imported)
        {
            while (true)
            {
                using var request = demo.AppRequest(HttpMethod.Get, $"api/map/{demo.ChannelId}/messages?external_id={Uri.EscapeDataString(externalId)}");
                using var response = await demo.Http.SendAsync(request);
                var m = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
                var status = m.ValueKind == JsonValueKind.Object ? m.GetProperty("status").GetString() : null;
                if (status is "imported" or "failed")
                {
                    Console.WriteLine($"{externalId,-28} {status,-9} {m.GetProperty("message_id").GetString(),-24} {m.GetProperty("conversation_id").GetString(),-24} " +
                        string.Join(", ", m.GetProperty("external_conversation_ids").EnumerateArray().Select(e => e.GetString())));
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new DemoFailedException($"{externalId} is still {status ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)} after 60 s; is the local host running with the simulator?");
                }

                await Task.Delay(200);
            }
        }
    }

    /// <summary>5. What the app asked Front, and a lookup to paste.</summary>
    public static async Task PrintCountersAsync(DemoContext demo)
    {
        var counters = await demo.Front.GetCountersAsync();
        Console.WriteLine();
        Console.WriteLine($"Front API requests made by the app (simulator counters): {JsonSerializer.Serialize(counters.Requests)}");
        Console.WriteLine();
        Console.WriteLine("Look one up yourself (external ids must be URL-encoded: curl's --data-urlencode does it; a raw '+' would arrive as a space):");
        Console.WriteLine($"  curl -sG '{new Uri(demo.App, $"api/map/{demo.ChannelId}/messages")}' -H 'x-functions-key: {demo.FunctionKey}' --data-urlencode 'external_id={demo.Imported[0].ExternalId}'");
    }
}
