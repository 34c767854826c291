using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator;
using FrontSimulator.Control;

namespace FrontFunctions.Tests.Integration.Imports;

/// <summary>
/// The import API over real HTTP: the local host (queue listener on), Azurite, the Front simulator. Each test uses its own
/// channel, authorized in the app by a signed <c>authorization</c> webhook and registered in the simulator.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class ImportApiTests : IAsyncLifetime
{
    private RunningFrontSimulator _front = null!;
    private RunningLocalHost _host = null!;

    /// <summary>Overrides for the host: each test that needs other settings starts its own (<see cref="StartAsync"/>).</summary>
    private async Task StartAsync(string overdueAfter = "00:01:00", int maxRetries = 2)
    {
        _front = await FrontSimulatorServer.StartAsync();
        _host = await RunningLocalHost.StartAsync(new Dictionary<string, string?>
        {
            ["Front:ApiBaseUrl"] = _front.BaseUrl.AbsoluteUri,
            ["Front:MaxRetries"] = maxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Front:RetryBaseDelay"] = "00:00:00.020",
            ["Imports:OverdueAfter"] = overdueAfter,
            ["LocalHost:RunQueueListener"] = "true",
        });
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_front is not null)
        {
            await _front.DisposeAsync();
        }
    }

    /// <summary>A channel Front authorized in the app and knows in the simulator (notifying the host unless told not to).</summary>
    private async Task<string> NewChannelAsync(bool notify = true, string? simulatorSecret = null)
    {
        var channelId = TestStorage.NewChannelId();
        await _front.Control.CreateChannelAsync(
            channelId, RunningLocalHost.AppUid, simulatorSecret ?? RunningLocalHost.AppSecret,
            notify ? new Uri(_host.BaseUrl, $"api/front/channels/{channelId}") : null);
        using var authorized = await _host.SendSignedAsync(
            HttpMethod.Post, "/api/front/channels", $"{{\"type\":\"authorization\",\"payload\":{{\"channel_id\":\"{channelId}\"}}}}");
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        return channelId;
    }

    internal static JsonObject Inbound(string externalId, string thread = "thread-1", string text = "Hello") => new()
    {
        ["sender"] = new JsonObject { ["handle"] = "+15550100", ["name"] = "Ada" },
        ["body"] = text,
        ["metadata"] = new JsonObject { ["external_id"] = externalId, ["external_conversation_id"] = thread },
    };

    internal static JsonObject Outbound(string externalId, string thread = "thread-1") => new()
    {
        ["to"] = new JsonArray(new JsonObject { ["handle"] = "+15550199" }),
        ["body"] = "Reply",
        ["metadata"] = new JsonObject { ["external_id"] = externalId, ["external_conversation_id"] = thread },
    };

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string channelId, string endpoint, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/{channelId}/{endpoint}")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await _host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement.Clone());
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(string channelId, JsonObject body, bool inbound = true) =>
        PostAsync(channelId, inbound ? "inbound_messages" : "outbound_messages", body.ToJsonString());

    private async Task<(HttpStatusCode Status, JsonElement Body)> LookupAsync(string channelId, string externalId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/map/{channelId}/messages?external_id={Uri.EscapeDataString(externalId)}");
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await _host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Polls the lookup until the import shows <paramref name="status"/>.</summary>
    private async Task<JsonElement> WaitForStatusAsync(string channelId, string externalId, string status, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var (code, body) = await LookupAsync(channelId, externalId);
            if (code == HttpStatusCode.OK && body.TryGetProperty("status", out var s) && s.GetString() == status)
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < until, $"{externalId} did not become {status} within {deadline}: last {(int)code} {body}");
            await Task.Delay(100);
        }
    }

    private static long Count(SimulatorCounters counters, string route, string? status = null) =>
        counters.Requests.TryGetValue(route, out var byStatus)
            ? status is null ? byStatus.Values.Sum() : byStatus.GetValueOrDefault(status)
            : 0;

    private const string InboundRoute = "POST /channels/{channel_id}/inbound_messages";
    private const string OutboundRoute = "POST /channels/{channel_id}/outbound_messages";
    private const string UidRoute = "GET /messages/alt:uid:{message_uid}";

    [Fact]
    public async Task An_import_is_accepted_then_imported_through_its_notification()
    {
        await StartAsync();
        var channelId = await NewChannelAsync();

        var (status, body) = await ImportAsync(channelId, Inbound("sms:+1/1 #a?", "thread/α"));

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("accepted", body.GetProperty("status").GetString());
        var uid = body.GetProperty("message_uid").GetString();
        Assert.False(string.IsNullOrEmpty(uid));
        Assert.Equal("sms:+1/1 #a?", body.GetProperty("external_id").GetString());

        var imported = await WaitForStatusAsync(channelId, "sms:+1/1 #a?", "imported", TimeSpan.FromSeconds(30));
        Assert.Equal(uid, imported.GetProperty("message_uid").GetString());
        Assert.StartsWith("msg_", imported.GetProperty("message_id").GetString());
        Assert.StartsWith("cnv_", imported.GetProperty("conversation_id").GetString());
        Assert.Equal(["thread/α"], imported.GetProperty("external_conversation_ids").EnumerateArray().Select(e => e.GetString()));
        var snapshot = await _front.Control.GetChannelAsync(channelId);
        Assert.Equal(imported.GetProperty("message_id").GetString(), Assert.Single(snapshot.Conversations.SelectMany(c => c.Messages)).Id);
        Assert.Equal(0, Count(await _front.Control.GetCountersAsync(), UidRoute)); // the notification settled it: no lookup
    }

    [Fact]
    public async Task An_outbound_import_goes_to_Fronts_outbound_endpoint()
    {
        await StartAsync();
        var channelId = await NewChannelAsync();

        var (status, _) = await ImportAsync(channelId, Outbound("out-1"), inbound: false);

        Assert.Equal(HttpStatusCode.Accepted, status);
        await WaitForStatusAsync(channelId, "out-1", "imported", TimeSpan.FromSeconds(30));
        var counters = await _front.Control.GetCountersAsync();
        Assert.Equal(1, Count(counters, OutboundRoute, "202"));
        Assert.Equal(0, Count(counters, InboundRoute));
    }

    [Fact]
    public async Task An_overdue_import_is_resolved_by_exactly_one_uid_lookup()
    {
        await StartAsync(overdueAfter: "00:00:02");
        var channelId = await NewChannelAsync(notify: false); // Front never sends message_imported

        var (status, body) = await ImportAsync(channelId, Inbound("overdue-1", "thread-o"));
        Assert.Equal(HttpStatusCode.Accepted, status);

        var accepted = await LookupAsync(channelId, "overdue-1");
        Assert.Equal("accepted", accepted.Body.GetProperty("status").GetString());
        var imported = await WaitForStatusAsync(channelId, "overdue-1", "imported", TimeSpan.FromSeconds(30));

        Assert.Equal(body.GetProperty("message_uid").GetString(), imported.GetProperty("message_uid").GetString());
        Assert.StartsWith("msg_", imported.GetProperty("message_id").GetString());
        Assert.Equal(["thread-o"], imported.GetProperty("external_conversation_ids").EnumerateArray().Select(e => e.GetString()));
        var counters = await _front.Control.GetCountersAsync();
        Assert.Equal(1, Count(counters, UidRoute));
        Assert.Equal(1, Count(counters, UidRoute, "200"));
        Assert.Equal(0, counters.Notifications.Attempts);
    }

    [Fact]
    public async Task An_overdue_import_that_Front_never_created_is_failed_with_the_reason()
    {
        await StartAsync(overdueAfter: "00:00:01");
        var channelId = await NewChannelAsync(notify: false);
        await _front.Control.SetImportDelayAsync(TimeSpan.FromMinutes(5)); // accepted, not created for a long while

        var (status, _) = await ImportAsync(channelId, Inbound("never-1"));
        Assert.Equal(HttpStatusCode.Accepted, status);

        var failed = await WaitForStatusAsync(channelId, "never-1", "failed", TimeSpan.FromSeconds(30));
        Assert.Contains("404", failed.GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("message_id").ValueKind);
        Assert.Equal(1, Count(await _front.Control.GetCountersAsync(), UidRoute, "404"));
    }

    [Fact]
    public async Task Each_bad_field_is_named_and_nothing_reaches_Front()
    {
        await StartAsync();
        var channelId = await NewChannelAsync();
        var inbound = new JsonObject
        {
            ["sender"] = new JsonObject { ["name"] = "no handle" },
            ["body"] = 42,
            ["delivered_at"] = "yesterday",
            ["metadata"] = new JsonObject { ["external_id"] = new string('x', 201), ["external_conversation_id"] = 7 },
        };
        var outbound = new JsonObject
        {
            ["to"] = new JsonArray(new JsonObject { ["name"] = "no handle" }, "not an object"),
            ["body"] = "text",
        };

        var (inStatus, inBody) = await ImportAsync(channelId, inbound);
        var (outStatus, outBody) = await ImportAsync(channelId, outbound, inbound: false);
        var (notJson, _) = await PostAsync(channelId, "inbound_messages", "{\"body\":");

        Assert.Equal(HttpStatusCode.BadRequest, inStatus);
        Assert.Equal(
            ["body must be a string", "delivered_at must be an integer (seconds)", "sender.handle is required",
             "metadata.external_id must be at most 200 characters (got 201)", "metadata.external_conversation_id must be a string"],
            inBody.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("bad_request", inBody.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, outStatus);
        Assert.Equal(
            ["to[0].handle is required", "to[1] must be an object", "metadata is required"],
            outBody.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, notJson);
        var counters = await _front.Control.GetCountersAsync();
        Assert.Equal(0, Count(counters, InboundRoute) + Count(counters, OutboundRoute));
    }

    [Fact]
    public async Task The_same_external_id_imported_twice_makes_one_Front_message()
    {
        await StartAsync();
        var channelId = await NewChannelAsync();

        var first = await ImportAsync(channelId, Inbound("twice-1"));
        var second = await ImportAsync(channelId, Inbound("twice-1", text: "again"));
        // And racing: six at once for another id.
        var racing = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => ImportAsync(channelId, Inbound("race-1"))));

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(first.Body.GetProperty("message_uid").GetString(), second.Body.GetProperty("message_uid").GetString());
        Assert.Single(racing, r => r.Status == HttpStatusCode.Accepted);
        Assert.All(racing, r => Assert.Contains(r.Status, new[] { HttpStatusCode.Accepted, HttpStatusCode.OK, HttpStatusCode.Conflict }));
        Assert.Single(racing.Where(r => r.Status != HttpStatusCode.Conflict).Select(r => r.Body.GetProperty("message_uid").GetString()).Distinct());

        await WaitForStatusAsync(channelId, "twice-1", "imported", TimeSpan.FromSeconds(30));
        await WaitForStatusAsync(channelId, "race-1", "imported", TimeSpan.FromSeconds(30));
        var third = await ImportAsync(channelId, Inbound("twice-1"));
        Assert.Equal(HttpStatusCode.OK, third.Status);
        Assert.Equal("imported", third.Body.GetProperty("status").GetString());
        Assert.Equal(2, Count(await _front.Control.GetCountersAsync(), InboundRoute));
        var messages = (await _front.Control.GetChannelAsync(channelId)).Conversations.SelectMany(c => c.Messages).ToList();
        Assert.Single(messages, m => m.ExternalId == "twice-1");
        Assert.Single(messages, m => m.ExternalId == "race-1");
    }

    [Fact]
    public async Task Front_429_beyond_the_retries_is_503_and_nothing_is_recorded()
    {
        await StartAsync(maxRetries: 2);
        var channelId = await NewChannelAsync();
        await _front.Control.SetFaultsAsync(new FaultSettings { Burst429 = 3 }); // one call + two retries, all 429

        var (status, body) = await ImportAsync(channelId, Inbound("limited-1"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("front_rate_limited", body.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await LookupAsync(channelId, "limited-1")).Status);
        Assert.False((await TestStorage.Tables().GetTableClient(StorageNames.ImportsTable)
            .GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>(channelId, FrontFunctions.Imports.ImportKeys.Import("limited-1"))).HasValue);
        Assert.Equal(3, Count(await _front.Control.GetCountersAsync(), InboundRoute, "429"));

        // Front recovered: the retry of the same import goes through, once.
        var (again, _) = await ImportAsync(channelId, Inbound("limited-1"));
        Assert.Equal(HttpStatusCode.Accepted, again);
        await WaitForStatusAsync(channelId, "limited-1", "imported", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_single_Front_429_or_5xx_is_retried_by_the_client()
    {
        await StartAsync(maxRetries: 2);
        var channelId = await NewChannelAsync();
        await _front.Control.SetFaultsAsync(new FaultSettings { Burst429 = 1 });

        var (status, _) = await ImportAsync(channelId, Inbound("retried-1"));

        Assert.Equal(HttpStatusCode.Accepted, status);
        var counters = await _front.Control.GetCountersAsync();
        Assert.Equal(1, Count(counters, InboundRoute, "429"));
        Assert.Equal(1, Count(counters, InboundRoute, "202"));
    }

    [Fact]
    public async Task A_Front_5xx_is_not_retried_and_the_import_is_unknown()
    {
        await StartAsync(maxRetries: 1);
        var channelId = await NewChannelAsync();
        await _front.Control.SetFaultsAsync(new FaultSettings { ErrorRate = 1.0 });

        var (status, body) = await ImportAsync(channelId, Inbound("broken-1"));

        // A 5xx may come from a proxy after Front acted: never resent, never "nothing imported".
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("unknown", body.GetProperty("status").GetString());
        Assert.Equal("unknown", (await LookupAsync(channelId, "broken-1")).Body.GetProperty("status").GetString());
        var counters = await _front.Control.GetCountersAsync();
        Assert.Equal(1, counters.Faults.ErrorsInjected);
    }

    [Fact]
    public async Task A_Front_refusal_is_recorded_as_failed_with_the_reason()
    {
        await StartAsync();
        var channelId = await NewChannelAsync(simulatorSecret: "another-secret"); // Front refuses our channel token

        var (status, body) = await ImportAsync(channelId, Inbound("refused-1"));

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal("front_refused", body.GetProperty("type").GetString());
        var (lookup, record) = await LookupAsync(channelId, "refused-1");
        Assert.Equal(HttpStatusCode.OK, lookup);
        Assert.Equal("failed", record.GetProperty("status").GetString());
        Assert.Contains("401", record.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_deleted_or_unknown_channel_refuses_imports()
    {
        await StartAsync();
        var deleted = await NewChannelAsync();
        await _front.Control.DeleteChannelAsync(deleted); // Front removes the channel, then tells the app
        using var deletion = await _host.SendSignedAsync(HttpMethod.Delete, $"/api/front/channels/{deleted}", null);
        Assert.Equal(HttpStatusCode.OK, deletion.StatusCode);

        var (goneStatus, goneBody) = await ImportAsync(deleted, Inbound("after-delete"));
        var (unknownStatus, unknownBody) = await ImportAsync(TestStorage.NewChannelId(), Inbound("nowhere"));

        Assert.Equal(HttpStatusCode.Gone, goneStatus);
        Assert.Equal("channel_deleted", goneBody.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknownStatus);
        Assert.Equal("not_found", unknownBody.GetProperty("type").GetString());
        var counters = await _front.Control.GetCountersAsync();
        Assert.Equal(0, Count(counters, InboundRoute));
    }

    [Fact]
    public async Task The_import_API_needs_the_function_key()
    {
        await StartAsync();
        var channelId = await NewChannelAsync();

        using var response = await _host.Http.PostAsync(
            $"/api/channels/{channelId}/inbound_messages", new StringContent(Inbound("nokey").ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
