using System.Net;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator;

namespace FrontFunctions.Tests.Integration.Telemetry;

/// <summary>
/// The meter is process-wide by name: every local host's <c>/metrics</c> sums the <c>FrontFunctions</c> meters of all hosts
/// alive in the process. Exact counts need no other host running, so these tests run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics (alone: the meter is process-wide)";
}

/// <summary>
/// The local host's Prometheus endpoint against real parts: the Front simulator sends a signed <c>message_imported</c> to a
/// host without queue listener (the notification waits on <c>front-ingest</c>), then a host with the listener maps it.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsEndpointTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_notification_moves_the_webhook_counter_the_queue_gauges_and_the_mapped_counter()
    {
        await using var front = await FrontSimulatorServer.StartAsync();
        await front.Control.SetRateLimitAsync(requestsPerMinute: 10_000, burstPerSecond: 1_000);
        var channelId = TestStorage.NewChannelId();
        var settings = new Dictionary<string, string?>
        {
            ["Front:ApiBaseUrl"] = front.BaseUrl.AbsoluteUri,
            ["Metrics:QueueSampleInterval"] = "00:00:01",
        };
        await TestStorage.Queues().GetQueueClient(StorageNames.IngestQueue).CreateIfNotExistsAsync();
        await TestStorage.Queues().GetQueueClient(StorageNames.IngestQueue).ClearMessagesAsync();

        // 1. HTTP only: the notification is answered 200 and waits on the queue.
        await using (var receiver = await RunningLocalHost.StartAsync(settings))
        {
            var before = await PrometheusScrape.GetAsync(receiver.Http);
            var imported = Counted(before, "message_imported", "200");
            var unsigned = Counted(before, "none", "401");
            await front.Control.CreateChannelAsync(
                channelId, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, new Uri(receiver.BaseUrl, $"api/front/channels/{channelId}"));
            var import = await front.Control.ImportInboundAsync(
                channelId, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, "metrics-1", "metrics-thread", "Hello");
            Assert.Equal(202, import.StatusCode);
            using (var forged = await receiver.Http.PostAsync($"api/front/channels/{channelId}", new StringContent("{}")))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
            }

            var waiting = await ScrapeUntilAsync(receiver.Http, s =>
                Counted(s, "message_imported", "200") >= imported + 1
                && s.Sum("front_queue_depth", ("queue", StorageNames.IngestQueue)) >= 1
                && s.Sum("front_queue_oldest_message_age_seconds", ("queue", StorageNames.IngestQueue)) > 0,
                "the webhook counted and the notification seen waiting on front-ingest");
            Assert.Equal(imported + 1, Counted(waiting, "message_imported", "200"));
            Assert.Equal(unsigned + 1, Counted(waiting, "none", "401"));
            Assert.Contains(waiting.Series, s => s.Name == "front_queue_depth" && s.Labels["queue"] == StorageNames.IngestPoisonQueue);
            Assert.Contains(waiting.Series, s => s.Name == "front_queue_depth" && s.Labels["queue"] == StorageNames.OutboundQueue);
            Assert.Contains(waiting.Series, s => s.Name == "front_queue_depth" && s.Labels["queue"] == StorageNames.ImportCheckQueue);
            Assert.DoesNotContain(channelId, waiting.Text, StringComparison.Ordinal); // no id in any tag
        }

        // 2. With the queue listener: the notification is mapped; the counter and the latency histogram move, the queue empties.
        settings["LocalHost:RunQueueListener"] = "true";
        await using var worker = await RunningLocalHost.StartAsync(settings);
        var message = await worker.Lookup.WaitForAsync(
            FrontFunctions.TestSupport.LookupApi.MessageByExternalId(channelId, "metrics-1"), null, Deadline);
        Assert.StartsWith("msg_", message.GetProperty("message_id").GetString(), StringComparison.Ordinal);

        var mapped = await ScrapeUntilAsync(worker.Http, s =>
            s.Sum("front_messages_mapped_total", ("via", "notification")) >= 1
            && s.Sum("front_queue_depth", ("queue", StorageNames.IngestQueue)) == 0,
            "the mapped counter moved and front-ingest emptied");
        Assert.Equal(1, mapped.Sum("front_messages_mapped_total", ("via", "notification")));
        Assert.Equal(1, mapped.Sum("front_mapping_latency_seconds_count", ("via", "notification")));
        Assert.InRange(mapped.Sum("front_mapping_latency_seconds_sum", ("via", "notification")), 0.0001, Deadline.TotalSeconds * 2);
        Assert.Equal(0, mapped.Sum("front_queue_oldest_message_age_seconds", ("queue", StorageNames.IngestQueue)));
        Assert.DoesNotContain(mapped.Series, s => s.Name == "front_api_calls_total" && s.Labels.GetValueOrDefault("route", "").Contains("msg_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Front_calls_are_counted_by_route_template_and_status_and_429s_by_cause()
    {
        await using var front = await FrontSimulatorServer.StartAsync();
        await front.Control.SetRateLimitAsync(requestsPerMinute: 10_000, burstPerSecond: 1_000);
        await using var host = await RunningLocalHost.StartAsync(new Dictionary<string, string?>
        {
            ["Front:ApiBaseUrl"] = front.BaseUrl.AbsoluteUri,
            ["Front:RetryBaseDelay"] = "00:00:00.010",
            ["Metrics:QueueSampleInterval"] = "00:00:00",
        });
        var channelId = TestStorage.NewChannelId();
        await front.Control.CreateChannelAsync(
            channelId, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, new Uri(host.BaseUrl, $"api/front/channels/{channelId}"));
        var client = (FrontFunctions.Front.FrontApiClient)host.Services.GetService(typeof(FrontFunctions.Front.FrontApiClient))!;

        // Two reads of unknown messages (404, not retried) and one injected 429 burst (retried, then 404).
        await front.Control.SetFaultsAsync(new FrontSimulator.Control.FaultSettings { Burst429 = 1 });
        foreach (var id in new[] { "msg_metrics404a", "msg_metrics404b" })
        {
            var refused = await Assert.ThrowsAsync<FrontFunctions.Front.FrontApiException>(() => client.GetMessageAsync(channelId, id));
            Assert.True(refused.Permanent);
        }

        var scrape = await ScrapeUntilAsync(host.Http, s =>
            s.Sum("front_api_calls_total", ("route", "/messages/{message_id}"), ("status", "404")) >= 2,
            "two 404s counted under /messages/{message_id}");
        Assert.Equal(2, scrape.Sum("front_api_calls_total", ("method", "GET"), ("route", "/messages/{message_id}"), ("status", "404")));
        Assert.Equal(1, scrape.Sum("front_api_calls_total", ("route", "/messages/{message_id}"), ("status", "429")));
        Assert.Equal(1, scrape.Sum("front_api_throttled_total", ("cause", "burst"), ("route", "/messages/{message_id}")));
        Assert.Equal(1, scrape.Sum("front_api_throttled_total"));
        Assert.Equal(3, scrape.Sum("front_rate_gate_wait_seconds_count"));
        Assert.DoesNotContain("msg_metrics404", scrape.Text, StringComparison.Ordinal);
    }

    private static double Counted(PrometheusScrape scrape, string type, string status) =>
        scrape.Sum("front_webhooks_total", ("type", type), ("status", status));

    private static Task<PrometheusScrape> ScrapeUntilAsync(HttpClient http, Func<PrometheusScrape, bool> done, string what) =>
        FrontFunctions.TestSupport.Eventually.UntilAsync(async () =>
        {
            var scrape = await PrometheusScrape.GetAsync(http);
            return done(scrape) ? scrape : null;
        }, what, Deadline, TimeSpan.FromMilliseconds(250));
}
