// The demo: with `bash scripts/run-local.sh` running, `bash scripts/demo.sh` shows the loop end to end.
// 1. Front "authorizes" a channel: a signed authorization request to the local host, which answers the channel's webhook URL.
// 2. The channel is created in the Front simulator with that webhook URL.
// 3. A few conversations are imported through the simulator's sync endpoint (as the partner system would).
// 4. The simulator notifies the local host (message_imported); the queue function maps each message.
// 5. The demo prints the map as the lookup API answers it.
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FrontSimulator.Control;

var settings = LocalSettings.Read("local.settings.json");
var appUid = settings.GetValueOrDefault("Front__AppUid") ?? throw new InvalidOperationException("Front__AppUid is not set in local.settings.json.");
var secret = settings.GetValueOrDefault("Front__AppSecret") ?? throw new InvalidOperationException("Front__AppSecret is not set in local.settings.json.");
var functionKey = settings.GetValueOrDefault("LocalHost__FunctionKey") ?? "";
var app = new Uri(Environment.GetEnvironmentVariable("DEMO_APP_URL") ?? "http://127.0.0.1:7071/");
var front = new Uri(settings.GetValueOrDefault("Front__ApiBaseUrl") ?? "http://127.0.0.1:7072/");
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
var channelId = "cha_demo" + RandomNumberGenerator.GetHexString(6, lowercase: true);

// 1. authorization, signed as Front signs it
var body = JsonSerializer.Serialize(new { type = "authorization", payload = new { channel_id = channelId } });
var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
using var authorization = new HttpRequestMessage(HttpMethod.Post, new Uri(app, "api/front/channels")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
authorization.Headers.Add("X-Front-Request-Timestamp", timestamp);
authorization.Headers.Add("X-Front-Signature", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}:{body}"))));
using var authorized = await http.SendAsync(authorization);
authorized.EnsureSuccessStatusCode();
var webhookUrl = (await authorized.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("webhook_url").GetString()!;
Console.WriteLine($"authorized {channelId}; Front will notify {webhookUrl}");

// 2. the channel in the simulator
using var control = new SimulatorControl(front);
await control.CreateChannelAsync(channelId, appUid, secret, new Uri(webhookUrl));

// 3. imports: three threads of three messages each
var imported = new List<(string ExternalId, string Thread)>();
foreach (var thread in new[] { "sms:+15550100", "sms:+15550101", "ticket/42 #urgent" })
{
    for (var i = 1; i <= 3; i++)
    {
        var externalId = $"{thread}/message-{i}";
        var result = await control.ImportInboundAsync(channelId, appUid, secret, externalId, thread, $"Demo message {i}");
        while (result.StatusCode == 429)
        {
            // Front's burst limit (5 requests a second per channel) applies to imports too: wait and try again.
            await Task.Delay(TimeSpan.FromSeconds(1));
            result = await control.ImportInboundAsync(channelId, appUid, secret, externalId, thread, $"Demo message {i}");
        }
        if (result.StatusCode != 202)
        {
            throw new InvalidOperationException($"Import of {externalId} answered {result.StatusCode}: {result.Body}");
        }

        imported.Add((externalId, thread));
    }
}

Console.WriteLine($"imported {imported.Count} messages into {imported.Select(m => m.Thread).Distinct().Count()} conversations; waiting for the map…");

// 4 + 5. poll the lookup API until every message is mapped (deadline 60 s), then print the map
var deadline = DateTime.UtcNow.AddSeconds(60);
Console.WriteLine();
Console.WriteLine($"{"external message id",-34} {"Front message",-24} {"Front conversation",-24} external conversation ids");
foreach (var (externalId, _) in imported)
{
    JsonElement? mapped = null;
    while (mapped is null)
    {
        var url = new Uri(app, $"api/map/{channelId}/messages?external_id={Uri.EscapeDataString(externalId)}");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("x-functions-key", functionKey);
        using var response = await http.SendAsync(request);
        if (response.IsSuccessStatusCode)
        {
            mapped = await response.Content.ReadFromJsonAsync<JsonElement>();
        }
        else if (DateTime.UtcNow > deadline)
        {
            Console.Error.WriteLine($"{externalId} is still not mapped ({(int)response.StatusCode}); is the local host running with the simulator?");
            return 1;
        }
        else
        {
            await Task.Delay(200);
        }
    }

    var m = mapped.Value;
    Console.WriteLine($"{externalId,-34} {m.GetProperty("message_id").GetString(),-24} {m.GetProperty("conversation_id").GetString(),-24} " +
        string.Join(", ", m.GetProperty("external_conversation_ids").EnumerateArray().Select(e => e.GetString())));
}

var counters = await control.GetCountersAsync();
Console.WriteLine();
Console.WriteLine($"Front API requests made by the app (simulator counters): {JsonSerializer.Serialize(counters.Requests)}");
Console.WriteLine();
Console.WriteLine("Look one up yourself (external ids must be URL-encoded: curl's --data-urlencode does it; a raw '+' would arrive as a space):");
Console.WriteLine($"  curl -sG '{new Uri(app, $"api/map/{channelId}/messages")}' -H 'x-functions-key: {functionKey}' --data-urlencode 'external_id={imported[0].ExternalId}'");
return 0;

/// <summary>The Values of a Functions local.settings.json.</summary>
internal static class LocalSettings
{
    public static Dictionary<string, string> Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("Values").EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString()!.Length > 0)
            .ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }
}
