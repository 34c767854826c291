using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.TestSupport;
using FrontSimulator;
using FrontSimulator.Control;

namespace FrontFunctions.Tests.Integration.Imports;

/// <summary>
/// Issue 19, point 1 and the import edges of point 9, over real HTTP: the local host (queue listener on), Azurite, the Front
/// simulator. An import reaches Front at most once per external id: an answer lost after Front acted is <c>unknown</c>, never
/// resent, and settled by Front's notification.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class ImportAtMostOnceTests : IAsyncLifetime
{
    private const string InboundRoute = "POST /channels/{channel_id}/inbound_messages";
    private RunningFrontSimulator? _front;
    private RunningLocalHost _host = null!;

    private async Task StartAsync(bool withFront = true, IDictionary<string, string?>? extra = null)
    {
        _front = withFront ? await FrontSimulatorServer.StartAsync() : null;
        var settings = new Dictionary<string, string?>
        {
            ["Front:MaxRetries"] = "3",
            ["Front:RetryBaseDelay"] = "00:00:00.020",
            ["Front:AttemptTimeout"] = "00:00:01",
            ["Front:TotalTimeout"] = "00:00:20",
            ["Imports:OverdueAfter"] = "00:01:00",
            ["LocalHost:RunQueueListener"] = "true",
        };
        if (_front is not null)
        {
            settings["Front:ApiBaseUrl"] = _front.BaseUrl.AbsoluteUri;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        _host = await RunningLocalHost.StartAsync(settings);
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

    private async Task<string> NewChannelAsync()
    {
        var channelId = TestStorage.NewChannelId();
        if (_front is not null)
        {
            await _front.Control.CreateChannelAsync(
                channelId, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, new Uri(_host.BaseUrl, $"api/front/channels/{channelId}"));
        }

        using var authorized = await _host.SendSignedAsync(
            HttpMethod.Post, "/api/front/channels", $"{{\"type\":\"authorization\",\"payload\":{{\"channel_id\":\"{channelId}\"}}}}");
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        return channelId;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(
        string channelId, string json, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/{channelId}/inbound_messages")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        var response = await _host.Http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement.Clone(), response);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> LookupAsync(string channelId, string externalId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/map/{channelId}/messages?external_id={Uri.EscapeDataString(externalId)}");
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await _host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<JsonElement> WaitForStatusAsync(string channelId, string externalId, string status, TimeSpan? deadline = null) =>
        (JsonElement)await Eventually.UntilAsync<object>(
            async () =>
            {
                var (code, body) = await LookupAsync(channelId, externalId);
                return code == HttpStatusCode.OK && body.TryGetProperty("status", out var s) && s.GetString() == status ? body : null;
            },
            $"{externalId} to become {status}", deadline ?? TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));

    private static long Count(SimulatorCounters counters, string route, string? status = null) =>
        counters.Requests.TryGetValue(route, out var byStatus)
            ? status is null ? byStatus.Values.Sum() : byStatus.GetValueOrDefault(status)
            : 0;

    [Theory]
    [InlineData("drop")]
    [InlineData("delay")]
    public async Task An_import_whose_answer_is_lost_after_Front_acted_reaches_Front_once_and_ends_imported(string fault)
    {
        await StartAsync();
        var channelId = await NewChannelAsync();
        await _front!.Control.SetFaultsAsync(new FaultSettings { ImportAnswer = fault, ImportAnswerDelayMs = 2_500 });
        var body = ImportApiTests.Inbound("lost-" + fault, "thread-lost").ToJsonString();

        // The partner's request and its three retries of the same request.
        var answers = new List<(HttpStatusCode Status, JsonElement Body)>();
        for (var i = 0; i < 4; i++)
        {
            var (status, answer, response) = await PostAsync(channelId, body);
            response.Dispose();
            answers.Add((status, answer));
        }

        Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.Accepted, HttpStatusCode.OK }));
        Assert.All(answers, a => Assert.Contains(a.Body.GetProperty("status").GetString(), new[] { "unknown", "imported" }));
        Assert.Equal(HttpStatusCode.Accepted, answers[0].Status);

        await WaitForStatusAsync(channelId, "lost-" + fault, "imported");
        var messages = (await _front.Control.GetChannelAsync(channelId)).Conversations.SelectMany(c => c.Messages).ToList();
        Assert.Single(messages, m => m.ExternalId == "lost-" + fault);
        Assert.Equal(1, Count(await _front.Control.GetCountersAsync(), InboundRoute));
        var (_, again, againResponse) = await PostAsync(channelId, body);
        againResponse.Dispose();
        Assert.Equal("imported", again.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_Front_5xx_is_not_resent_and_the_import_is_unknown_not_nothing_imported()
    {
        await StartAsync();
        var channelId = await NewChannelAsync();
        await _front!.Control.SetFaultsAsync(new FaultSettings { ErrorRate = 1.0 });
        var body = ImportApiTests.Inbound("proxy-5xx").ToJsonString();

        var (status, answer, response) = await PostAsync(channelId, body);
        response.Dispose();
        var (repeat, repeated, repeatResponse) = await PostAsync(channelId, body);
        repeatResponse.Dispose();

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("unknown", answer.GetProperty("status").GetString());
        Assert.Contains("5", answer.GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.OK, repeat);
        Assert.Equal("unknown", repeated.GetProperty("status").GetString());
        Assert.Equal(1, Count(await _front.Control.GetCountersAsync(), InboundRoute));
        Assert.Equal("unknown", (await LookupAsync(channelId, "proxy-5xx")).Body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Connection_refused_is_503_with_retry_after_and_nothing_is_recorded()
    {
        await StartAsync(withFront: false); // Front's base URL is 127.0.0.1:9: nothing listens there
        var channelId = await NewChannelAsync();

        var (status, answer, response) = await PostAsync(channelId, ImportApiTests.Inbound("refused-conn").ToJsonString());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.NotNull(response.Headers.RetryAfter);
        response.Dispose();
        Assert.Equal("front_unreachable", answer.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await LookupAsync(channelId, "refused-conn")).Status);
    }

    [Fact]
    public async Task An_import_body_with_a_duplicate_key_is_400_and_nothing_reaches_Front()
    {
        await StartAsync();
        var channelId = await NewChannelAsync();
        const string twice = """{"sender":{"handle":"+1"},"body":"a","metadata":{"external_id":"dup-1","external_id":"dup-2","external_conversation_id":"t"}}""";

        var (status, answer, response) = await PostAsync(channelId, twice);
        response.Dispose();

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("duplicate", answer.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, Count(await _front!.Control.GetCountersAsync(), InboundRoute));
    }

    [Fact]
    public async Task An_import_error_answer_lists_at_most_20_problems()
    {
        await StartAsync();
        var channelId = await NewChannelAsync();
        var to = new JsonArray();
        for (var i = 0; i < 50; i++)
        {
            to.Add(new JsonObject { ["name"] = "no handle" });
        }

        var (status, answer, response) = await PostAsync(channelId, new JsonObject { ["to"] = to, ["body"] = 1 }.ToJsonString());
        response.Dispose();
        using var outbound = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/{channelId}/outbound_messages")
        {
            Content = new StringContent(new JsonObject { ["to"] = to.DeepClone(), ["body"] = 1 }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        outbound.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var outResponse = await _host.Http.SendAsync(outbound);
        var outAnswer = JsonDocument.Parse(await outResponse.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(HttpStatusCode.BadRequest, outResponse.StatusCode);
        Assert.Equal(20, outAnswer.GetProperty("errors").GetArrayLength());
        Assert.Contains("more", outAnswer.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(answer.GetProperty("errors").GetArrayLength() <= 20);
    }

    [Fact]
    public async Task An_id_of_150_emoji_imports_and_can_be_looked_up_and_201_code_points_are_refused_by_both()
    {
        await StartAsync();
        var channelId = await NewChannelAsync();
        var emoji = string.Concat(Enumerable.Repeat("😀", 150)); // 300 UTF-16 units, 150 code points
        var tooLong = string.Concat(Enumerable.Repeat("😀", 201));

        var (status, _, response) = await PostAsync(channelId, ImportApiTests.Inbound(emoji).ToJsonString());
        response.Dispose();
        var (longStatus, _, longResponse) = await PostAsync(channelId, ImportApiTests.Inbound(tooLong).ToJsonString());
        longResponse.Dispose();

        Assert.Equal(HttpStatusCode.Accepted, status);
        var imported = await WaitForStatusAsync(channelId, emoji, "imported");
        Assert.Equal(emoji, imported.GetProperty("external_id").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, longStatus);
        Assert.Equal(HttpStatusCode.BadRequest, (await LookupAsync(channelId, tooLong)).Status);
    }

    [Fact]
    public async Task An_import_whose_request_is_aborted_during_the_Front_call_does_not_stay_sending()
    {
        await StartAsync();
        var channelId = await NewChannelAsync();
        await _front!.Control.SetFaultsAsync(new FaultSettings { LatencyMs = 5_000 });

        using (var abort = new CancellationTokenSource(TimeSpan.FromMilliseconds(700)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PostAsync(channelId, ImportApiTests.Inbound("aborted-1").ToJsonString(), abort.Token));
        }

        var settled = await WaitForStatusAsync(channelId, "aborted-1", "unknown", TimeSpan.FromSeconds(15));
        Assert.Equal("aborted-1", settled.GetProperty("external_id").GetString());
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> ConsoleAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, "/api/console/" + path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await _host.Http.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task An_unknown_import_is_listed_in_the_console_and_sent_again_only_by_the_operator_after_the_window()
    {
        await StartAsync(extra: new Dictionary<string, string?> { ["Imports:OverdueAfter"] = "00:00:02" });
        var channelId = await NewChannelAsync();
        await _front!.Control.SetFaultsAsync(new FaultSettings { ErrorRate = 1.0 }); // a 5xx: Front did not act, but the app cannot know
        var (status, answer, response) = await PostAsync(channelId, ImportApiTests.Inbound("operator-1").ToJsonString());
        response.Dispose();
        Assert.Equal("unknown", answer.GetProperty("status").GetString());

        var (listed, list) = await ConsoleAsync(HttpMethod.Get, "imports/unknown?channel_id=" + channelId);
        Assert.Equal(HttpStatusCode.OK, listed);
        var item = Assert.Single(list.GetProperty("imports").EnumerateArray());
        Assert.Equal("operator-1", item.GetProperty("external_id").GetString());
        var send = $$"""{"channel_id":"{{channelId}}","external_id":"operator-1"}""";
        var (early, earlyBody) = await ConsoleAsync(HttpMethod.Post, "imports/send-again", send);
        Assert.Equal(HttpStatusCode.Conflict, early);
        Assert.Equal("too_early", earlyBody.GetProperty("type").GetString());

        // Still unknown after the window (the overdue check cannot look it up): the operator sends it again.
        await _front.Control.SetFaultsAsync(new FaultSettings { ErrorRate = 0 });
        await Eventually.TrueAsync(
            async () => (await ConsoleAsync(HttpMethod.Get, "imports/unknown?channel_id=" + channelId)).Body.GetProperty("imports")[0].GetProperty("can_send_again").GetBoolean(),
            "send again to be offered", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        var (again, againBody) = await ConsoleAsync(HttpMethod.Post, "imports/send-again", send);

        Assert.Equal(HttpStatusCode.Accepted, again);
        Assert.Equal("accepted", againBody.GetProperty("status").GetString());
        await WaitForStatusAsync(channelId, "operator-1", "imported");
        Assert.Empty((await ConsoleAsync(HttpMethod.Get, "imports/unknown?channel_id=" + channelId)).Body.GetProperty("imports").EnumerateArray());
        Assert.Single((await _front.Control.GetChannelAsync(channelId)).Conversations.SelectMany(c => c.Messages), m => m.ExternalId == "operator-1");
        Assert.Equal(HttpStatusCode.Conflict, (await ConsoleAsync(HttpMethod.Post, "imports/send-again", send)).Status); // not unknown any more
    }
}
