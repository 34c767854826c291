using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.Storage;
using FrontFunctions.TestSupport;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator;
using FrontSimulator.Control;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Tests.Integration.Poison;

/// <summary>
/// Issue 19 point 5: a poisoned item lives until an operator acts. Its poison message never expires (TTL -1, checked on the
/// message itself: Azurite's clock cannot be moved 30 days), its payload blob is kept under <c>failed/</c> (which the lifecycle
/// rule does not match, Infra.Tests), it has a failure row with its reason, and the console's re-queue delivers it.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class PoisonRetentionTests
{
    [Fact]
    public async Task A_poisoned_notification_with_its_blob_never_expires_and_is_delivered_by_the_console_requeue()
    {
        await using var front = await FrontSimulatorServer.StartAsync();
        await using var host = await RunningLocalHost.StartAsync(new Dictionary<string, string?>
        {
            ["Front:ApiBaseUrl"] = front.BaseUrl.AbsoluteUri,
            ["LocalHost:RunQueueListener"] = "true",
        });
        await front.Control.SetRateLimitAsync(requestsPerMinute: 10_000, burstPerSecond: 1_000);

        // Front knows the channel under the app's previous secret: it refuses the app's tokens (401, permanent).
        var channel = TestStorage.NewChannelId();
        var webhook = new Uri(host.BaseUrl, $"api/front/channels/{channel}");
        Assert.Equal(HttpStatusCode.OK, (await host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization(channel))).StatusCode);
        await front.Control.CreateChannelAsync(channel, RunningLocalHost.AppUid, RunningLocalHost.PreviousAppSecret, webhook);
        await front.Control.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = false });
        var large = new string('x', 60 * 1024); // the notification's envelope goes to a blob
        var import = await front.Control.ImportInboundAsync(channel, RunningLocalHost.AppUid, RunningLocalHost.PreviousAppSecret, "ext-kept", "thread-kept", large);
        Assert.Equal(202, import.StatusCode);

        var poison = TestStorage.Queues().GetQueueClient(StorageNames.IngestPoisonQueue);
        var poisoned = await Eventually.UntilAsync(async () =>
            (await poison.ExistsAsync()).Value
                ? (await poison.PeekMessagesAsync(32)).Value.FirstOrDefault(m => m.Body.ToString().Contains(channel, StringComparison.Ordinal))
                : null,
            "the notification in front-ingest-poison", TimeSpan.FromSeconds(40), TimeSpan.FromMilliseconds(200));
        var (text, expiresOn) = (poisoned.Body.ToString(), poisoned.ExpiresOn);

        // Never expires: Azure answers 9999-12-31 for a TTL of -1 (the default would be 7 days from now).
        Assert.True(expiresOn > DateTimeOffset.UtcNow.AddYears(100), $"the poison message expires at {expiresOn:O}");
        var blobName = JsonDocument.Parse(text).RootElement.GetProperty("envelope_blob").GetString()!;
        Assert.StartsWith(StorageNames.FailedPayloadPrefix, blobName, StringComparison.Ordinal);
        var blob = TestStorage.Blobs().GetBlobContainerClient(StorageNames.PayloadContainer).GetBlobClient(blobName);
        Assert.True((await blob.ExistsAsync()).Value, "the payload blob is kept");
        Assert.Contains(large, (await blob.DownloadContentAsync()).Value.Content.ToString(), StringComparison.Ordinal);

        var failures = TestStorage.Tables().GetTableClient(StorageNames.FailuresTable);
        var row = Assert.Single(failures.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {channel}")));
        Assert.Contains("401", row.GetString("Reason"), StringComparison.Ordinal);

        // The cause fixed (Front knows the app's secret again), the operator re-queues that one failure from the console.
        await front.Control.CreateChannelAsync(channel, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, webhook);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/console/requeue")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { channel_id = channel, failure_id = row.RowKey }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await host.Http.SendAsync(request);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, answer.GetProperty("requeued").GetInt32());
        Assert.Equal(1, answer.GetProperty("failures_closed").GetInt32());

        var messageId = row.GetString("MessageId");
        await host.Lookup.WaitForAsync(LookupApi.MessageByFrontId(channel, messageId), m => m.GetProperty("external_id").GetString() == "ext-kept", TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => !(await blob.ExistsAsync()).Value, "the kept blob deleted once the item was mapped");
    }

    [Fact]
    public async Task An_overdue_check_failing_at_its_last_attempt_has_a_failure_row_never_expires_and_the_console_requeues_it()
    {
        await using var host = await RunningLocalHost.StartAsync();
        var lastAttempt = host.Services.GetRequiredService<FrontFunctions.Enrichment.ImportCheckPoisoning>();
        var channel = TestStorage.NewChannelId();
        var uid = "uid-" + Guid.NewGuid().ToString("N");
        var text = JsonSerializer.Serialize(new { channel_id = channel, external_id = "ext-check", message_uid = uid });
        Task Failing() => throw new FrontFunctions.Front.FrontApiException("GET /messages/alt:uid answered 503.", permanent: false, 503);

        // Not the last attempt: rethrown for the queue to retry, nothing recorded.
        await Assert.ThrowsAsync<FrontFunctions.Front.FrontApiException>(() => lastAttempt.RunAsync(text, 4, 5, Failing, CancellationToken.None));
        // The last attempt: recorded and poisoned here (returns normally: the host deletes the original).
        await lastAttempt.RunAsync(text, 5, 5, Failing, CancellationToken.None);

        var failures = TestStorage.Tables().GetTableClient(StorageNames.FailuresTable);
        var row = Assert.Single(failures.Query<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {channel}")));
        Assert.Contains("503", row.GetString("Reason"), StringComparison.Ordinal);
        var poison = TestStorage.Queues().GetQueueClient(StorageNames.ImportCheckPoisonQueue);
        var poisoned = Assert.Single((await poison.PeekMessagesAsync(32)).Value, m => m.Body.ToString().Contains(uid, StringComparison.Ordinal));
        Assert.True(poisoned.ExpiresOn > DateTimeOffset.UtcNow.AddYears(100), $"the poison message expires at {poisoned.ExpiresOn:O}");

        using var request = new HttpRequestMessage(HttpMethod.Post, "api/console/requeue")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { channel_id = channel, failure_id = row.RowKey }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await host.Http.SendAsync(request);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, answer.GetProperty("requeued").GetInt32());
        Assert.Equal(1, answer.GetProperty("failures_closed").GetInt32());
        var checks = TestStorage.Queues().GetQueueClient(StorageNames.ImportCheckQueue);
        var requeued = (await checks.ReceiveMessagesAsync(32)).Value.Single(m => m.Body.ToString().Contains(uid, StringComparison.Ordinal));
        await checks.DeleteMessageAsync(requeued.MessageId, requeued.PopReceipt);
    }
}
