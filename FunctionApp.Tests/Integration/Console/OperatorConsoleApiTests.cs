using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using FrontFunctions.Enrichment;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator;
using FrontSimulator.Control;
using Microsoft.Extensions.DependencyInjection;
using FrontFunctions.Failures;

namespace FrontFunctions.Tests.Integration.Console;

/// <summary>The console's JSON endpoints as scripts use them: admin key, clear 4xx for bad input, re-queue by channel.</summary>
[Collection(SharedQueueCollection.Name)]
public sealed class OperatorConsoleApiTests : IAsyncLifetime
{
    private RunningFrontSimulator _front = null!;
    private RunningLocalHost _host = null!;

    public async Task InitializeAsync()
    {
        _front = await FrontSimulatorServer.StartAsync();
        _host = await RunningLocalHost.StartAsync(new Dictionary<string, string?>
        {
            ["Front:ApiBaseUrl"] = _front.BaseUrl.AbsoluteUri,
            ["LocalHost:RunQueueListener"] = "true",
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _front.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? body = null, string? key = RunningLocalHost.FunctionKey)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Add("x-functions-key", key);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await _host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<List<JsonElement>> FailuresAsync(string channelId)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, $"api/console/failures?channel_id={channelId}");
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.GetProperty("failures").EnumerateArray()];
    }

    private async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"Timed out waiting for {what}.");
            await Task.Delay(200);
        }
    }

    /// <summary>A channel whose messages fail for good: Front knows it under the app's previous secret, so it refuses the app's tokens.</summary>
    private async Task<string> RefusingChannelAsync(int messages)
    {
        var channelId = TestStorage.NewChannelId();
        Assert.Equal(HttpStatusCode.OK, (await _host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization(channelId))).StatusCode);
        await _front.Control.CreateChannelAsync(channelId, RunningLocalHost.AppUid, RunningLocalHost.PreviousAppSecret, new Uri(_host.BaseUrl, $"api/front/channels/{channelId}"));
        await _front.Control.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = false });
        for (var i = 0; i < messages; i++)
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            ImportResult result;
            while ((result = await _front.Control.ImportInboundAsync(channelId, RunningLocalHost.AppUid, RunningLocalHost.PreviousAppSecret, $"m-{i}", "t", "Hi")).StatusCode == 429
                && DateTime.UtcNow < until)
            {
                await Task.Delay(250);
            }

            Assert.Equal(202, result.StatusCode);
        }

        return channelId;
    }

    [Theory]
    [InlineData("GET", "api/console/channels")]
    [InlineData("GET", "api/console/pipeline")]
    [InlineData("GET", "api/console/failures")]
    [InlineData("POST", "api/console/requeue")]
    public async Task Every_data_endpoint_requires_the_key(string method, string path)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(new HttpMethod(method), path, "{\"all\":true}", key: null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(new HttpMethod(method), path, "{\"all\":true}", key: "wrong")).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"all\":false}")]
    [InlineData("{\"all\":true,\"channel_id\":\"cha_abc\"}")]
    [InlineData("{\"channel_id\":\"<script>\"}")]
    [InlineData("{\"failure_id\":\"x\"}")]
    [InlineData("{\"channel_id\":\"cha_abc\",\"extra\":1}")]
    [InlineData("{\"channel_id\":\"cha_abc\",\"failure_id\":\"\"}")]
    public async Task A_bad_requeue_request_is_400_with_a_message(string body)
    {
        var (status, answer) = await SendAsync(HttpMethod.Post, "api/console/requeue", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("bad_request", answer.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Oversized_bodies_are_413_bad_filters_400_and_unknown_failures_404()
    {
        var (tooLarge, refusal) = await SendAsync(HttpMethod.Post, "api/console/requeue", "{\"channel_id\":\"" + new string('a', 5000) + "\"}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge); // the one HTTP edge's answer to a body over its cap (4 KiB here)
        Assert.Equal("payload_too_large", refusal.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "api/console/failures?channel_id=nope")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "api/console/failures?channel_id=cha_a&channel_id=cha_b")).Status);
        var (status, body) = await SendAsync(HttpMethod.Post, "api/console/requeue", "{\"channel_id\":\"cha_nosuch\",\"failure_id\":\"nosuch\"}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("not_found", body.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_channels_failures_are_requeued_together_other_channels_stay_and_a_new_failure_comes_back()
    {
        var refused = await RefusingChannelAsync(2);
        var other = await RefusingChannelAsync(1);
        await WaitAsync(async () => (await FailuresAsync(refused)).Count == 2 && (await FailuresAsync(other)).Count == 1, "three failures");
        var before = (await FailuresAsync(refused)).Select(f => f.GetProperty("failed_at").GetDateTimeOffset()).Max();
        Assert.All(await FailuresAsync(refused), f => Assert.Contains("401", f.GetProperty("reason").GetString(), StringComparison.Ordinal));

        // The failure row is written just before the listener moves the message to the poison queue: a re-queue in that
        // instant finds fewer messages (and closes only the rows it re-queued), so the operator's retry picks up the rest.
        int requeued = 0, closed = 0;
        await WaitAsync(async () =>
        {
            var (status, result) = await SendAsync(HttpMethod.Post, "api/console/requeue", $"{{\"channel_id\":\"{refused}\"}}");
            Assert.Equal(HttpStatusCode.OK, status);
            requeued += result.GetProperty("requeued").GetInt32();
            closed += result.GetProperty("failures_closed").GetInt32();
            return requeued >= 2;
        }, "both messages re-queued");

        Assert.Equal(2, requeued);
        Assert.Equal(2, closed);
        // The cause is not fixed: both fail again and are listed again, with a later time; the other channel's never moved.
        await WaitAsync(async () => (await FailuresAsync(refused)) is { Count: 2 } again
            && again.All(f => f.GetProperty("failed_at").GetDateTimeOffset() > before), "the failures to come back");
        Assert.Single(await FailuresAsync(other));

        var (_, channels) = await SendAsync(HttpMethod.Get, "api/console/channels");
        var row = channels.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("channel_id").GetString() == refused);
        Assert.Equal(0, row.GetProperty("messages_mapped").GetInt32());
        Assert.True(row.GetProperty("last_notification_at").GetDateTimeOffset() > before);
        var (_, pipeline) = await SendAsync(HttpMethod.Get, "api/console/pipeline");
        var poison = pipeline.GetProperty("queues").EnumerateArray().Single(q => q.GetProperty("name").GetString() == "front-ingest-poison");
        Assert.True(poison.GetProperty("depth").GetInt32() >= 3);
        Assert.True(pipeline.GetProperty("front_budget").GetProperty("requests_last_minute").GetInt32() >= 5);
    }

    [Fact]
    public async Task A_failure_whose_message_is_not_in_a_poison_queue_stays_listed_after_a_channel_requeue()
    {
        // The failure row is written an instant before the listener moves the message to the poison queue: a re-queue in
        // that instant must not close the row, or the failure vanishes from the console while its message sits poisoned.
        var channel = TestStorage.NewChannelId();
        await _host.Services.GetRequiredService<DeliveryFailures>().RecordAsync(
            channel, "ingest:msg_notyetpoisoned", "msg_notyetpoisoned", "Front answered 401", 5, "{}", permanent: true, CancellationToken.None);
        Assert.Single(await FailuresAsync(channel));

        var (status, result) = await SendAsync(HttpMethod.Post, "api/console/requeue", $"{{\"channel_id\":\"{channel}\"}}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, result.GetProperty("requeued").GetInt32());
        Assert.Equal(0, result.GetProperty("failures_closed").GetInt32());
        Assert.Single(await FailuresAsync(channel));
    }

    [Fact]
    public async Task A_partner_delivery_failure_is_listed_and_requeued_to_the_outbound_queue()
    {
        // Delivery is disabled in the test host, so a re-queued item stays on front-outbound where the test can see it.
        var channel = TestStorage.NewChannelId();
        var webhookId = "msg_" + Guid.NewGuid().ToString("N");
        var text = JsonSerializer.Serialize(new { version = 1, webhook_id = webhookId, channel_id = channel, message_id = "msg_console1", external_id = "front:msg_console1" });
        var queues = _host.Services.GetRequiredService<QueueServiceClient>();
        var poison = queues.GetQueueClient(StorageNames.OutboundPoisonQueue);
        var outbound = queues.GetQueueClient(StorageNames.OutboundQueue);
        await poison.CreateIfNotExistsAsync();
        await outbound.CreateIfNotExistsAsync();
        await poison.SendMessageAsync(text);
        await _host.Services.GetRequiredService<DeliveryFailures>().RecordAsync(
            channel, PartnerDelivery.FailureKeyPrefix + webhookId, "msg_console1", "the partner answered 400", 1, text, permanent: true, CancellationToken.None);

        var failure = Assert.Single(await FailuresAsync(channel));
        var failureId = failure.GetProperty("failure_id").GetString()!;
        var (status, result) = await SendAsync(HttpMethod.Post, "api/console/requeue", JsonSerializer.Serialize(new { channel_id = channel, failure_id = failureId }));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, result.GetProperty("requeued").GetInt32());
        Assert.Equal(1, result.GetProperty("failures_closed").GetInt32());
        Assert.Empty(await FailuresAsync(channel));
        // The outbound queue is shared with other tests (a peek sees only its first 32): receive it through, each message out
        // of sight for 2 s only, until ours is found (then deleted).
        var found = false;
        for (var batch = 0; batch < 50 && !found; batch++)
        {
            var received = (await outbound.ReceiveMessagesAsync(32, visibilityTimeout: TimeSpan.FromSeconds(2))).Value;
            if (received.Length == 0)
            {
                break;
            }

            if (received.FirstOrDefault(m => m.Body.ToString().Contains(webhookId, StringComparison.Ordinal)) is { } mine)
            {
                await outbound.DeleteMessageAsync(mine.MessageId, mine.PopReceipt);
                found = true;
            }
        }

        Assert.True(found, "the re-queued item is on front-outbound");
        var (_, pipeline) = await SendAsync(HttpMethod.Get, "api/console/pipeline");
        Assert.Contains(pipeline.GetProperty("queues").EnumerateArray(), q => q.GetProperty("name").GetString() == StorageNames.OutboundPoisonQueue);
    }
}
