using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using FrontFunctions.Enrichment;
using FrontFunctions.Ingest;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Enrichment;

/// <summary>What the queue function does with good, bad and failing messages (Azurite + scripted Front).</summary>
public sealed class IngestProcessorTests : IAsyncDisposable
{
    private readonly FrontTestHost _host = FrontTestHost.Create();
    private readonly string _channel = TestStorage.NewChannelId();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private IngestProcessor Processor => _host.Get<IngestProcessor>();

    private string QueueText(string messageId, string? externalId = "ext-1") => JsonSerializer.Serialize(new IngestNotification
    {
        DeliveryKey = IngestNotification.DeliveryKeyFor(_channel, messageId),
        ChannelId = _channel,
        ReceivedAt = DateTimeOffset.UtcNow,
        MessageId = messageId,
        ConversationId = "cnv_1",
        ExternalId = externalId,
        ExternalConversationIds = ["thr-1"],
    }, IngestJsonContext.Default.IngestNotification);

    private static async Task<TableEntity?> FailureRowAsync(string partition, string rowKey)
    {
        var response = await TestStorage.Tables().GetTableClient(StorageNames.FailuresTable).GetEntityIfExistsAsync<TableEntity>(partition, rowKey);
        return response.HasValue ? response.Value : null;
    }

    private static async Task<bool> PoisonHoldsAsync(string text)
    {
        var poison = TestStorage.Queues().GetQueueClient(StorageNames.IngestPoisonQueue);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var messages = (await poison.PeekMessagesAsync(32)).Value;
            if (messages.Any(m => m.Body.ToString() == text))
            {
                return true;
            }

            // Peek sees the oldest 32 only: take away messages from other runs that are not ours.
            var received = (await poison.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value;
            foreach (var m in received)
            {
                if (m.Body.ToString() == text)
                {
                    return true;
                }
            }

            if (received.Length == 0)
            {
                await Task.Delay(100);
            }
        }

        return false;
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
        Assert.Equal(text, row.GetString("QueueMessage"));
        Assert.True(row.GetBoolean("Permanent"));
        Assert.True(await PoisonHoldsAsync(text));
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

        Assert.Contains(rows, r => r.GetString("QueueMessage") == text);
    }

    [Fact]
    public async Task A_transient_failure_is_rethrown_and_recorded_only_at_the_last_attempt()
    {
        _host.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        var text = QueueText("msg_flaky", externalId: null);
        var key = IngestNotification.DeliveryKeyFor(_channel, "msg_flaky");

        await Assert.ThrowsAnyAsync<Exception>(() => Processor.ProcessAsync(text, dequeueCount: 4, maxDequeueCount: 5, CancellationToken.None));
        Assert.Null(await FailureRowAsync(_channel, key));

        await Assert.ThrowsAnyAsync<Exception>(() => Processor.ProcessAsync(text, dequeueCount: 5, maxDequeueCount: 5, CancellationToken.None));
        var row = await FailureRowAsync(_channel, key);
        Assert.NotNull(row);
        Assert.False(row.GetBoolean("Permanent"));
        Assert.Equal(5, row.GetInt64("DequeueCount"));
        Assert.Contains("503", row.GetString("Reason"), StringComparison.Ordinal);
    }
}
