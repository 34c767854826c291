using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.Tests.Integration.Imports;
using FrontSimulator;
using Json.Schema;

namespace FrontFunctions.Tests.Integration.Contract;

/// <summary>
/// <c>docs/openapi.json</c>, the partner-facing description of the lookup and import APIs, against what the app really does:
/// its paths and methods are exactly the function-key HTTP functions of the built <c>functions.metadata</c>, and real answers
/// of the local host (Azurite, the Front simulator) validate against the document's schema for their status code.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class OpenApiContractTests
{
    private static JsonObject Document() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "openapi.json")))!.AsObject();

    [Fact]
    public void The_documented_paths_are_exactly_the_function_key_routes_the_host_binds()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata")));
        var bound = metadata.RootElement.EnumerateArray()
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray())
            .Where(b => b.GetProperty("type").GetString() == "httpTrigger" && b.GetProperty("authLevel").GetString()!.Equals("function", StringComparison.OrdinalIgnoreCase))
            .SelectMany(b => b.GetProperty("methods").EnumerateArray().Select(m => $"{m.GetString()!.ToUpperInvariant()} /api/{b.GetProperty("route").GetString()}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        var documented = Document()["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(bound);
        Assert.Equal(bound, documented);
    }

    [Fact]
    public async Task Real_answers_validate_against_the_documented_schemas()
    {
        await using var front = await FrontSimulatorServer.StartAsync();
        await using var host = await RunningLocalHost.StartAsync(new Dictionary<string, string?>
        {
            ["Front:ApiBaseUrl"] = front.BaseUrl.AbsoluteUri,
            ["LocalHost:RunQueueListener"] = "true",
        });
        var channelId = TestStorage.NewChannelId();
        await front.Control.CreateChannelAsync(channelId, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, new Uri(host.BaseUrl, $"api/front/channels/{channelId}"));
        using (var authorized = await host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", $"{{\"type\":\"authorization\",\"payload\":{{\"channel_id\":\"{channelId}\"}}}}"))
        {
            Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        }

        var document = Document();
        var seen = new List<string>();

        async Task<JsonElement> Check(HttpMethod method, string template, string path, string? body, HttpStatusCode expected, bool withKey = true)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            if (withKey)
            {
                request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
            }

            using var response = await host.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(expected == response.StatusCode, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode} {text}");
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var operation = document["paths"]![template]?[method.Method.ToLowerInvariant()];
            Assert.True(operation is not null, $"{method} {template} is not documented.");
            var documented = operation!["responses"]?[status];
            Assert.True(documented is not null, $"{method} {template} answered {status}, which the document does not describe.");
            seen.Add($"{method} {template} {status}");
            var schemaRef = documented!["content"]?["application/json"]?["schema"]?["$ref"]?.GetValue<string>();
            if (schemaRef is null)
            {
                return default; // documented without a body (401: the Functions host's own answer)
            }

            var errors = Validate(document, schemaRef, text);
            Assert.True(errors.Count == 0, $"{method} {path} {status} does not match {schemaRef}:\n{string.Join("\n", errors)}\n{text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        const string inboundRoute = "/api/channels/{channelId}/inbound_messages";
        const string outboundRoute = "/api/channels/{channelId}/outbound_messages";
        const string messagesRoute = "/api/map/{channelId}/messages";
        const string conversationsRoute = "/api/map/{channelId}/conversations";
        var inbound = $"/api/channels/{channelId}/inbound_messages";

        var accepted = await Check(HttpMethod.Post, inboundRoute, inbound, ImportApiTests.Inbound("oa/1", "oa-thread").ToJsonString(), HttpStatusCode.Accepted);
        await Check(HttpMethod.Post, inboundRoute, inbound, ImportApiTests.Inbound("oa/1").ToJsonString(), HttpStatusCode.OK);
        await Check(HttpMethod.Post, outboundRoute, $"/api/channels/{channelId}/outbound_messages", ImportApiTests.Outbound("oa/2", "oa-thread").ToJsonString(), HttpStatusCode.Accepted);
        await Check(HttpMethod.Post, outboundRoute, $"/api/channels/{channelId}/outbound_messages", ImportApiTests.Outbound("oa/2", "oa-thread").ToJsonString(), HttpStatusCode.OK);
        await Check(HttpMethod.Post, inboundRoute, inbound, "{\"body\":1}", HttpStatusCode.BadRequest);
        await Check(HttpMethod.Post, outboundRoute, $"/api/channels/{channelId}/outbound_messages", "{}", HttpStatusCode.BadRequest);
        await Check(HttpMethod.Post, inboundRoute, inbound, "{}", HttpStatusCode.Unauthorized, withKey: false);
        await Check(HttpMethod.Post, inboundRoute, $"/api/channels/{TestStorage.NewChannelId()}/inbound_messages", ImportApiTests.Inbound("x").ToJsonString(), HttpStatusCode.NotFound);

        var messages = $"/api/map/{channelId}/messages";
        var status = await Check(HttpMethod.Get, messagesRoute, messages + "?external_id=oa%2F1", null, HttpStatusCode.OK);
        Assert.Contains(status.GetProperty("status").GetString(), new[] { "accepted", "imported" });
        var until = DateTime.UtcNow.AddSeconds(30);
        while (status.GetProperty("status").GetString() != "imported")
        {
            Assert.True(DateTime.UtcNow < until, "oa/1 was not imported within 30 s.");
            await Task.Delay(100);
            status = await Check(HttpMethod.Get, messagesRoute, messages + "?external_id=oa%2F1", null, HttpStatusCode.OK);
        }

        Assert.Equal(accepted.GetProperty("message_uid").GetString(), status.GetProperty("message_uid").GetString());
        await Check(HttpMethod.Get, messagesRoute, messages + "?front_id=" + status.GetProperty("message_id").GetString(), null, HttpStatusCode.OK);
        await Check(HttpMethod.Get, messagesRoute, messages + "?external_id=nobody", null, HttpStatusCode.NotFound);
        await Check(HttpMethod.Get, messagesRoute, messages, null, HttpStatusCode.BadRequest);
        await Check(HttpMethod.Get, messagesRoute, messages + "?external_id=x", null, HttpStatusCode.Unauthorized, withKey: false);
        var conversations = $"/api/map/{channelId}/conversations";
        await Check(HttpMethod.Get, conversationsRoute, conversations + "?front_id=" + status.GetProperty("conversation_id").GetString(), null, HttpStatusCode.OK);
        await Check(HttpMethod.Get, conversationsRoute, conversations + "?external_id=oa-thread", null, HttpStatusCode.OK);
        await Check(HttpMethod.Get, conversationsRoute, conversations + "?front_id=msg_1", null, HttpStatusCode.BadRequest);
        await Check(HttpMethod.Get, conversationsRoute, conversations + "?external_id=nobody", null, HttpStatusCode.NotFound);

        // A teammate's reply (answered by the app, so in the map), reported failed by the partner: Front (the simulator) is told.
        const string statusRoute = "/api/channels/{channelId}/messages/status";
        var statusPath = $"/api/channels/{channelId}/messages/status";
        var reply = await front.Control.SendTeammateMessageAsync(channelId, new FrontSimulator.Control.TeammateMessage { ConversationId = null });
        Assert.Equal(200, reply.Status);
        var replyExternalId = JsonDocument.Parse(reply.Answer).RootElement.GetProperty("external_id").GetString()!;
        var reported = await Check(HttpMethod.Post, statusRoute, statusPath, $"{{\"external_id\":\"{replyExternalId}\",\"status\":\"failed\",\"reason\":\"unreachable\"}}", HttpStatusCode.OK);
        Assert.Equal(replyExternalId, reported.GetProperty("external_id").GetString());
        await Check(HttpMethod.Post, statusRoute, statusPath, "{\"external_id\":\"nobody\",\"status\":\"failed\"}", HttpStatusCode.NotFound);
        await Check(HttpMethod.Post, statusRoute, statusPath, "{\"external_id\":\"x\",\"status\":\"sent\"}", HttpStatusCode.BadRequest);
        await Check(HttpMethod.Post, statusRoute, statusPath, "{}", HttpStatusCode.Unauthorized, withKey: false);
        // A teammate's reply with an attachment: streamed through the app (200, the file); an id the map does not know is 404.
        const string attachmentRoute = "/api/channels/{channelId}/messages/{externalMessageId}/attachments/{n}";
        var withFile = await front.Control.SendTeammateMessageAsync(channelId, new FrontSimulator.Control.TeammateMessage { Attachments = [new("a.txt", "text/plain", 10)] });
        var fileExternalId = JsonDocument.Parse(withFile.Answer).RootElement.GetProperty("external_id").GetString()!;
        await Check(HttpMethod.Get, attachmentRoute, $"/api/channels/{channelId}/messages/{Uri.EscapeDataString(fileExternalId)}/attachments/0", null, HttpStatusCode.OK);
        await Check(HttpMethod.Get, attachmentRoute, $"/api/channels/{channelId}/messages/nobody/attachments/0", null, HttpStatusCode.NotFound);
        // The partner API by external id (docs/partner-api.md) on the reply's conversation, by the id the app answered Front with.
        var replyConversation = Uri.EscapeDataString(JsonDocument.Parse(reply.Answer).RootElement.GetProperty("external_conversation_id").GetString()!);
        var replyMessage = Uri.EscapeDataString(replyExternalId);
        const string partnerConversation = "/api/channels/{channelId}/conversations/{externalConversationId}";
        const string partnerSeen = "/api/channels/{channelId}/messages/{externalMessageId}/seen";
        var conversationPath = $"/api/channels/{channelId}/conversations/{replyConversation}";
        await Check(HttpMethod.Get, partnerConversation, conversationPath, null, HttpStatusCode.OK);
        await Check(HttpMethod.Patch, partnerConversation, conversationPath, "{\"status\":\"archived\",\"tag_ids\":{\"add\":[\"tag_oa\"]}}", HttpStatusCode.OK);
        await Check(HttpMethod.Patch, partnerConversation, conversationPath, "{\"status\":\"closed\"}", HttpStatusCode.BadRequest);
        await Check(HttpMethod.Get, partnerConversation, $"/api/channels/{channelId}/conversations/nobody", null, HttpStatusCode.NotFound);
        await Check(HttpMethod.Get, partnerConversation + "/messages", conversationPath + "/messages?limit=1", null, HttpStatusCode.OK);
        await Check(HttpMethod.Post, partnerConversation + "/comments", conversationPath + "/comments", "{\"body\":\"from the partner\"}", HttpStatusCode.Created);
        await Check(HttpMethod.Post, partnerSeen, $"/api/channels/{channelId}/messages/{replyMessage}/seen", null, HttpStatusCode.OK);
        await Check(HttpMethod.Get, partnerSeen, $"/api/channels/{channelId}/messages/{replyMessage}/seen", null, HttpStatusCode.OK);
        await Check(HttpMethod.Post, "/api/channels/{channelId}/messages/{externalMessageId}/status", $"/api/channels/{channelId}/messages/{replyMessage}/status", "{\"status\":\"failed\"}", HttpStatusCode.OK);
        await front.Control.SetChannelTokenRefusalsAsync(["*"]);
        await Check(HttpMethod.Patch, partnerConversation, conversationPath, "{\"status\":\"open\"}", HttpStatusCode.Forbidden);
        await front.Control.SetChannelTokenRefusalsAsync([]);

        // Front's answer lost (a 5xx): 202 unknown; Front's rate limit beyond the retries: 503 with Retry-After.
        await front.Control.SetFaultsAsync(new FrontSimulator.Control.FaultSettings { ErrorRate = 1.0 });
        var unknown = await Check(HttpMethod.Post, inboundRoute, inbound, ImportApiTests.Inbound("oa/unknown").ToJsonString(), HttpStatusCode.Accepted);
        Assert.Equal("unknown", unknown.GetProperty("status").GetString());
        await front.Control.SetFaultsAsync(new FrontSimulator.Control.FaultSettings { ErrorRate = 0, Burst429 = 100 });
        var limited = await Check(HttpMethod.Post, inboundRoute, inbound, ImportApiTests.Inbound("oa/limited").ToJsonString(), HttpStatusCode.ServiceUnavailable);
        Assert.Equal("front_rate_limited", limited.GetProperty("type").GetString());
        await front.Control.SetFaultsAsync(new FrontSimulator.Control.FaultSettings { Burst429 = 0 });

        await front.Control.DeleteChannelAsync(channelId); // Front removes the channel, then tells the app
        using (var deletion = await host.SendSignedAsync(HttpMethod.Delete, $"/api/front/channels/{channelId}", null))
        {
            Assert.Equal(HttpStatusCode.OK, deletion.StatusCode);
        }

        await Check(HttpMethod.Post, inboundRoute, inbound, ImportApiTests.Inbound("oa/3").ToJsonString(), HttpStatusCode.Gone);

        // Every documented success answer was seen and validated.
        var documentedSuccess = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().SelectMany(o => o.Value!["responses"]!.AsObject()
                .Where(r => r.Key.StartsWith('2'))
                .Select(r => $"{o.Key.ToUpperInvariant()} {p.Key} {r.Key}")));
        Assert.All(documentedSuccess, s => Assert.Contains(s, seen));
    }

    /// <summary>The errors of <paramref name="json"/> against the document's schema <paramref name="schemaRef"/>.</summary>
    private static List<string> Validate(JsonObject document, string schemaRef, string json)
    {
        var defs = document["components"]!["schemas"]!.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        var wrapper = $"{{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$defs\":{defs},\"$ref\":\"{schemaRef.Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal)}\"}}";
        var schema = JsonSchema.FromText(wrapper, new BuildOptions { SchemaRegistry = new SchemaRegistry() }, new Uri($"https://openapi.test/{Guid.NewGuid():N}"));
        using var instance = JsonDocument.Parse(json);
        var result = schema.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid
            ? []
            : (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}")).DefaultIfEmpty("invalid").ToList();
    }
}
