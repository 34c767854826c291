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
        foreach (var (externalId, thread, _) in demo.Imported)
        {
            while (true)
            {
                using var request = demo.AppRequest(HttpMethod.Get, $"api/map/{demo.ChannelId}/messages?external_id={Uri.EscapeDataString(externalId)}");
                using var response = await demo.Http.SendAsync(request);
                var m = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
                var status = m.ValueKind == JsonValueKind.Object ? m.GetProperty("status").GetString() : null;
                if (status is "imported" or "failed")
                {
                    if (m.GetProperty("conversation_id").GetString() is { } conversation)
                    {
                        demo.Conversations.TryAdd(thread, conversation);
                    }

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

    /// <summary>
    /// 6. Two teammates' messages sent from Front (the simulator's control API sends each to the app's webhook as a signed
    /// <c>message</c>): a reply in the first imported conversation, answered with its external conversation id, and a new
    /// conversation started in Front, answered with a minted <c>front:cnv_…</c> id. The app queues each for the partner;
    /// the delivery function POSTs it signed (Standard Webhooks) to the partner receiver, which verifies the signature. The
    /// demo polls the receiver (deadline 30 s) and prints what it verified.
    /// </summary>
    public static async Task ReplyFromFrontAsync(DemoContext demo)
    {
        var (_, thread, _) = demo.Imported[0];
        var replies = new List<(string What, FrontSimulator.Control.TeammateMessageResult Result)>();
        if (demo.Conversations.TryGetValue(thread, out var conversationId))
        {
            replies.Add(($"reply in {conversationId} ({thread})", await demo.Front.SendTeammateMessageAsync(demo.ChannelId, new FrontSimulator.Control.TeammateMessage
            {
                ConversationId = conversationId,
                Body = "<p>Thanks, we are on it.</p>",
                To = thread.StartsWith("sms:", StringComparison.Ordinal) ? thread[4..] : "customer@example.com",
                AuthorEmail = "ada@example.com",
            })));
        }

        replies.Add(("new conversation started in Front", await demo.Front.SendTeammateMessageAsync(demo.ChannelId, new FrontSimulator.Control.TeammateMessage
        {
            Body = "<p>Hello, your order has shipped.</p>",
            To = "+15550199",
            AuthorEmail = "ada@example.com",
        })));

        Console.WriteLine();
        foreach (var (what, result) in replies)
        {
            Console.WriteLine($"Front → app: message {result.MessageId} ({what}) → {result.Status} {result.Answer}");
            if (result.Status != 200)
            {
                throw new DemoFailedException($"The app answered {result.Status} to a teammate's message: {result.Answer}");
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        var pending = replies.Select(r => r.Result.MessageId!).ToHashSet(StringComparer.Ordinal);
        while (true)
        {
            JsonElement events;
            try
            {
                events = (await demo.Http.GetFromJsonAsync<JsonElement>(new Uri(demo.Partner, $"events?channel_id={demo.ChannelId}"))).GetProperty("events");
            }
            catch (HttpRequestException e)
            {
                throw new DemoFailedException($"The partner receiver at {demo.Partner} did not answer ({e.Message}); run-local.sh starts it (tools/PartnerReceiver).");
            }

            foreach (var e in events.EnumerateArray().Where(e => e.GetProperty("message_id").GetString() is { } id && pending.Remove(id)))
            {
                Console.WriteLine($"app → partner: {e.GetProperty("type").GetString()} delivered, signature verified by the partner (webhook-id {e.GetProperty("webhook_id").GetString()})");
                Console.WriteLine($"    message {e.GetProperty("message_id").GetString()} in {e.GetProperty("conversation_id").GetString()}: external_id {e.GetProperty("external_id").GetString()}, " +
                    $"external_conversation_id {e.GetProperty("external_conversation_id").GetString()}, text \"{e.GetProperty("text").GetString()}\"");
            }

            if (pending.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new DemoFailedException($"The partner receiver has not received {string.Join(", ", pending)} after 30 s; does run-local.sh show the delivery function enabled (Partner__OutboundUrl set)?");
            }

            await Task.Delay(200);
        }
    }
}
