using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using FrontFunctions.Enrichment;
using FrontFunctions.Ingest;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.TestSupport;
using FrontFunctions.Failures;

namespace FrontFunctions.Tests.Integration.Enrichment;

/// <summary>What the queue function does with good, bad and failing messages (Azurite + scripted Front).</summary>
// Reads the shared poison queue (taking messages out of sight while it looks), as the console's and the re-queue tool's
// tests do: run with them one at a time, or each hides the other's messages (seen: a channel re-queue moving 1 of 2).
[Collection(SharedQueueCollection.Name)]
public sealed class IngestProcessorTests : IAsyncDisposable
{
    private readonly FrontTestHost _host = FrontTestHost.Create();
    private readonly string _channel = TestStorage.NewChannelId();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private IngestProcessor Processor => _host.Get<IngestProcessor>();

    /// <summary>A queued notification of this test's channel, in conversation cnv_1.</summary>
    private IngestNotification Notification(string messageId, string? externalId, IReadOnlyList<string> externalConversationIds) => new()
    {
        DeliveryKey = IngestNotification.DeliveryKeyFor(_channel, messageId),
        ChannelId = _channel,
        ReceivedAt = DateTimeOffset.UtcNow,
        MessageId = messageId,
        ConversationId = "cnv_1",
        ExternalId = externalId,
        ExternalConversationIds = externalConversationIds,
    };

    private static string Serialize(IngestNotification notification) =>
        JsonSerializer.Serialize(notification, IngestJsonContext.Default.IngestNotification);

    private string QueueText(string messageId, string? externalId = "ext-1") => Serialize(Notification(messageId, externalId, ["thr-1"]));

    private static async Task<TableEntity?> FailureRowAsync(string partition, string rowKey)
    {
        var response = await TestStorage.Tables().GetTableClient(StorageNames.FailuresTable).GetEntityIfExistsAsync<TableEntity>(partition, rowKey);
        return response.HasValue ? response.Value : null;
    }

    private static async Task<bool> PoisonHoldsAsync(string text) =>
        await TestStorage.FindPoisonMessageAsync(m => m == text, TimeSpan.FromSeconds(10)) is not null;

    /// <summary>The failures table keeps ids and the reason, never the message (it can hold a body up to 64 KiB).</summary>
    private static void AssertNoBody(TableEntity row, string text)
    {
        foreach (var (name, value) in row)
        {
            if (value is string s && s.Length > 0)
            {
                Assert.False(text.Contains(s, StringComparison.Ordinal) && s.Length > 200, $"column {name} holds the message text");
            }
        }

        Assert.False(row.ContainsKey("QueueMessage"));
        Assert.Equal(text.Length, row.GetInt32("QueueMessageLength"));
    }

    private async Task<(string Text, Azure.Storage.Blobs.BlobClient Blob)> PointerWithBlobAsync(
        string messageId, string? externalId, IReadOnlyList<string> inlineIds, bool idsInBlob, string[] envelopeIds, DateTimeOffset? receivedAt = null)
    {
        var container = TestStorage.Blobs().GetBlobContainerClient(StorageNames.PayloadContainer);
        await container.CreateIfNotExistsAsync();
        var blob = container.GetBlobClient($"{_channel}/{messageId}-{Guid.NewGuid():N}.json");
        await blob.UploadAsync(BinaryData.FromString(FrontPayloads.MessageImported(messageId, "cnv_1", envelopeIds, externalId: "ext-from-blob")));
        var text = Serialize(Notification(messageId, externalId, inlineIds) with
        {
            EnvelopeBlob = blob.Name, IdsInBlob = idsInBlob, ReceivedAt = receivedAt ?? DateTimeOffset.UtcNow,
        });
        return (text, blob);
    }

    [Fact]
    public async Task A_mapped_notifications_payload_blob_is_deleted()
    {
        var (text, blob) = await PointerWithBlobAsync("msg_big", "ext-big", ["thr-1"], idsInBlob: false, ["thr-1"]);

        await Processor.ProcessAsync(text, dequeueCount: 1, maxDequeueCount: 5, CancellationToken.None);

        Assert.Equal("msg_big", (await _host.Get<FrontFunctions.IdMap.IdMapStore>().FindMessageByExternalIdAsync(_channel, "ext-big"))!.MessageId);
        Assert.False((await blob.ExistsAsync()).Value);
    }

    [Fact]
    public async Task A_poisoned_notifications_payload_blob_is_kept_under_failed_a_retried_or_requeued_ones_stay_in_place()
    {
        _host.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound));
        var (gone, goneBlob) = await PointerWithBlobAsync("msg_big_gone", null, ["thr-1"], idsInBlob: false, ["thr-1"]);
        await Processor.ProcessAsync(gone, dequeueCount: 1, maxDequeueCount: 5, CancellationToken.None);
        Assert.NotNull(await FailureRowAsync(_channel, IngestNotification.DeliveryKeyFor(_channel, "msg_big_gone")));
        Assert.False((await goneBlob.ExistsAsync()).Value);
        await AssertKeptAsync(goneBlob.Name); // poisoned: kept under failed/ until an operator acts (issue 19 point 5)

        _host.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        var (requeued, requeuedBlob) = await PointerWithBlobAsync("msg_big_requeued", null, ["thr-1"], idsInBlob: false, ["thr-1"]);
        await using (var quick = FrontTestHost.Create(settings: new Dictionary<string, string?> { ["Enrichment:RequeueDelay"] = "00:00:00" }))
        {
            quick.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
            await quick.Get<IngestProcessor>().ProcessAsync(requeued, dequeueCount: 5, maxDequeueCount: 5, CancellationToken.None); // within the window: queued again
        }

        Assert.True((await requeuedBlob.ExistsAsync()).Value); // the new queue message still needs it
        await TakeRequeuedAsync(requeued);

        var (flaky, flakyBlob) = await PointerWithBlobAsync(
            "msg_big_flaky", null, ["thr-1"], idsInBlob: false, ["thr-1"], receivedAt: DateTimeOffset.UtcNow - TimeSpan.FromHours(2));
        await Assert.ThrowsAnyAsync<Exception>(() => Processor.ProcessAsync(flaky, dequeueCount: 1, maxDequeueCount: 5, CancellationToken.None));
        Assert.True((await flakyBlob.ExistsAsync()).Value); // the queue retries it: the blob is still needed
        await Processor.ProcessAsync(flaky, dequeueCount: 5, maxDequeueCount: 5, CancellationToken.None); // recorded and poisoned here
        Assert.NotNull(await FailureRowAsync(_channel, IngestNotification.DeliveryKeyFor(_channel, "msg_big_flaky")));
        Assert.False((await flakyBlob.ExistsAsync()).Value);
        await AssertKeptAsync(flakyBlob.Name);
    }

    /// <summary>The blob was moved under failed/ and the poisoned text points at the kept copy.</summary>
    private static async Task AssertKeptAsync(string original)
    {
        var kept = TestStorage.Blobs().GetBlobContainerClient(StorageNames.PayloadContainer).GetBlobClient(StorageNames.FailedPayloadPrefix + original);
        Assert.True((await kept.ExistsAsync()).Value, "the payload blob is kept under failed/");
        Assert.NotNull(await TestStorage.FindPoisonMessageAsync(m => m.Contains("\"envelope_blob\":\"" + kept.Name + "\"", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_pointer_whose_ids_stayed_in_the_blob_is_mapped_with_the_blobs_ids()
    {
        var (text, blob) = await PointerWithBlobAsync("msg_ids", null, [], idsInBlob: true, ["thr-a", "thr-b"]);

        await Processor.ProcessAsync(text, dequeueCount: 1, maxDequeueCount: 5, CancellationToken.None);

        var map = _host.Get<FrontFunctions.IdMap.IdMapStore>();
        Assert.Equal("msg_ids", (await map.FindMessageByExternalIdAsync(_channel, "ext-from-blob"))!.MessageId);
        Assert.Equal("cnv_1", (await map.FindConversationByExternalIdAsync(_channel, "thr-b"))!.ConversationId);
        Assert.Empty(_host.Front.Requests); // everything came from the blob: no Front call
        Assert.False((await blob.ExistsAsync()).Value);
    }

    [Fact]
    public async Task A_good_message_is_mapped()
    {
        await Processor.ProcessAsync(QueueText("msg_1"), dequeueCount: 1, maxDequeueCount: 5, CancellationToken.None);

        Assert.Equal("msg_1", (await _host.Get<FrontFunctions.IdMap.IdMapStore>().FindMessageByExternalIdAsync(_channel, "ext-1"))!.MessageId);
    }

    [Fact]
    public async Task A_permanent_failure_is_recorded_and_poisoned_without_throwing()
    {
        _host.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound));
        var text = QueueText("msg_gone", externalId: null);

        await Processor.ProcessAsync(text, dequeueCount: 1, maxDequeueCount: 5, CancellationToken.None);

        var row = await FailureRowAsync(_channel, IngestNotification.DeliveryKeyFor(_channel, "msg_gone"));
        Assert.NotNull(row);
        Assert.Contains("404", row.GetString("Reason"), StringComparison.Ordinal);
        Assert.Equal("msg_gone", row.GetString("MessageId"));
        Assert.True(row.GetBoolean("Permanent"));
        Assert.True(await PoisonHoldsAsync(text));
        AssertNoBody(row, text);
    }

    [Fact]
    public async Task A_malformed_message_is_recorded_and_poisoned_without_throwing()
    {
        var text = "{\"not\":\"a notification\",\"marker\":\"" + Guid.NewGuid() + "\"}";

        await Processor.ProcessAsync(text, dequeueCount: 1, maxDequeueCount: 5, CancellationToken.None);

        Assert.True(await PoisonHoldsAsync(text));
        var table = TestStorage.Tables().GetTableClient(StorageNames.FailuresTable);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {DeliveryFailures.UnknownChannelPartition}")))
        {
            rows.Add(row);
        }

        var rowKey = "text-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
        AssertNoBody(Assert.Single(rows, r => r.RowKey == rowKey), text);
    }

    [Fact]
    public async Task A_transient_failure_is_rethrown_and_recorded_only_at_the_last_attempt_once_past_the_retry_window()
    {
        _host.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        var text = Serialize(Notification("msg_flaky", null, ["thr-1"]) with { ReceivedAt = DateTimeOffset.UtcNow - TimeSpan.FromHours(2) });
        var key = IngestNotification.DeliveryKeyFor(_channel, "msg_flaky");

        await Assert.ThrowsAnyAsync<Exception>(() => Processor.ProcessAsync(text, dequeueCount: 4, maxDequeueCount: 5, CancellationToken.None));
        Assert.Null(await FailureRowAsync(_channel, key));

        // The last attempt: recorded and moved to the poison queue here, never expiring (the host's own move would give it
        // the default 7-day time-to-live), and no throw, so the host deletes the original.
        await Processor.ProcessAsync(text, dequeueCount: 5, maxDequeueCount: 5, CancellationToken.None);
        Assert.True(await PoisonHoldsAsync(text));
        var poisoned = (await TestStorage.Queues().GetQueueClient(StorageNames.IngestPoisonQueue).PeekMessagesAsync(32)).Value
            .Where(m => m.Body.ToString() == text).ToList();
        Assert.All(poisoned, m => Assert.True(m.ExpiresOn > DateTimeOffset.UtcNow.AddYears(100), $"the poison message expires at {m.ExpiresOn:O}"));
        var row = await FailureRowAsync(_channel, key);
        Assert.NotNull(row);
        Assert.False(row.GetBoolean("Permanent"));
        Assert.Equal(5, row.GetInt64("DequeueCount"));
        Assert.Contains("503", row.GetString("Reason"), StringComparison.Ordinal);
        AssertNoBody(row, text);
    }

    [Fact]
    public async Task A_message_still_rate_limited_at_the_last_attempt_is_queued_again_later_not_poisoned()
    {
        await using var host = FrontTestHost.Create(settings: new Dictionary<string, string?> { ["Enrichment:RequeueDelay"] = "00:00:00" });
        host.Front.Respond = _ =>
        {
            var answer = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
            answer.Headers.Add("Retry-After", "0");
            return Task.FromResult(answer);
        };
        var text = Serialize(Notification("msg_limited", null, ["thr-1"]) with { ReceivedAt = DateTimeOffset.UtcNow - TimeSpan.FromHours(3) }); // past the window: 429 still queued again
        var key = IngestNotification.DeliveryKeyFor(_channel, "msg_limited");

        await host.Get<IngestProcessor>().ProcessAsync(text, dequeueCount: 5, maxDequeueCount: 5, CancellationToken.None); // no throw: not poisoned

        Assert.Null(await FailureRowAsync(_channel, key));
        Assert.False(await PoisonHoldsAsync(text));
        await TakeRequeuedAsync(text);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    public async Task Front_still_failing_at_the_last_attempt_within_the_retry_window_is_queued_again_later_not_poisoned(HttpStatusCode status)
    {
        await using var host = FrontTestHost.Create(settings: new Dictionary<string, string?> { ["Enrichment:RequeueDelay"] = "00:00:00" });
        host.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(status));
        var messageId = "msg_down" + (int)status;
        var text = Serialize(Notification(messageId, null, ["thr-1"]) with { ReceivedAt = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(50) });

        await host.Get<IngestProcessor>().ProcessAsync(text, dequeueCount: 5, maxDequeueCount: 5, CancellationToken.None); // no throw: not poisoned

        Assert.Null(await FailureRowAsync(_channel, IngestNotification.DeliveryKeyFor(_channel, messageId)));
        Assert.False(await PoisonHoldsAsync(text));
        await TakeRequeuedAsync(text);
    }

    /// <summary>Finds the notification queued again on the shared ingest queue, and takes it off.</summary>
    private static async Task TakeRequeuedAsync(string text)
    {
        var ingest = TestStorage.Queues().GetQueueClient(StorageNames.IngestQueue);
        var again = await Eventually.UntilAsync(
            async () => (await ingest.PeekMessagesAsync(32)).Value.FirstOrDefault(m => DecodeBase64(m.Body.ToString()) == text),
            "the notification queued again");
        // Take it off the shared queue again (others' messages received here reappear after 1 s).
        var received = (await ingest.ReceiveMessagesAsync(32, visibilityTimeout: TimeSpan.FromSeconds(1))).Value;
        if (received.FirstOrDefault(m => m.MessageId == again!.MessageId) is { } mine)
        {
            await ingest.DeleteMessageAsync(mine.MessageId, mine.PopReceipt);
        }
    }

    private static string DecodeBase64(string text)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(text));
        }
        catch (FormatException)
        {
            return text;
        }
    }
}
