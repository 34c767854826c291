using System.Net;
using System.Text;
using System.Text.Json;
using FrontFunctions.Enrichment;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using FrontFunctions.Failures;

namespace FrontFunctions.Tests.Integration.Console;

/// <summary>The console's re-queue of one failure, over real HTTP: bad ids are 400, a row closes only when a message moved.</summary>
[Collection(SharedQueueCollection.Name)]
public sealed class ConsoleFailureIdTests : IAsyncLifetime
{
    private RunningLocalHost _host = null!;

    public async Task InitializeAsync() => _host = await RunningLocalHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await _host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a\u0001b")]
    [InlineData("a\u007fb")]
    [InlineData("a\u0085b")]
    [InlineData("\n")]
    public async Task A_failure_id_with_a_character_no_key_can_hold_is_400_with_a_message(string failureId)
    {
        var (status, body) = await PostAsync("api/console/requeue", JsonSerializer.Serialize(new { channel_id = "cha_abc", failure_id = failureId }));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("failure_id", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requeueing_one_failure_whose_message_is_in_no_poison_queue_leaves_it_listed()
    {
        var channel = TestStorage.NewChannelId();
        await _host.Services.GetRequiredService<DeliveryFailures>().RecordAsync(
            channel, "ingest:msg_gone", "msg_gone", "Front answered 401", 5, "{}", permanent: true, CancellationToken.None);
        var failureId = FrontFunctions.IdMap.TableKeyEncoding.Encode("ingest:msg_gone");

        var (status, result) = await PostAsync("api/console/requeue", JsonSerializer.Serialize(new { channel_id = channel, failure_id = failureId }));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, result.GetProperty("requeued").GetInt32());
        Assert.Equal(0, result.GetProperty("failures_closed").GetInt32());
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/console/failures?channel_id={channel}");
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        var listed = JsonDocument.Parse(await (await _host.Http.SendAsync(request)).Content.ReadAsStringAsync()).RootElement;
        Assert.Single(listed.GetProperty("failures").EnumerateArray());
    }
}
