using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using FrontFunctions.Enrichment;
using FrontFunctions.IdMap;
using FrontFunctions.Ingest;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.Failures;

namespace FrontFunctions.Tests.Integration.Enrichment;

/// <summary>
/// What can never succeed leaves the ingest queue for <c>front-ingest-poison</c>, with its reason in
/// <c>FrontDeliveryFailures</c>: through the real queue listener, not by calling the processor.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class PoisonDeliveryTests
{
    private static async Task<TableEntity> WaitFailureRowAsync(EnrichmentPipeline pipeline, string partition, string rowKey)
    {
        var table = TestStorage.Tables().GetTableClient(StorageNames.FailuresTable);
        TableEntity? row = null;
        await pipeline.WaitAsync(async () =>
        {
            try
            {
                var response = await table.GetEntityIfExistsAsync<TableEntity>(partition, rowKey);
                row = response.HasValue ? response.Value : null;
            }
            catch (Azure.RequestFailedException e) when (e.Status == 404)
            {
                row = null; // the table itself is created on the first failure
            }

            return row is not null;
        }, $"failure row {partition}/{rowKey}");
        return row!;
    }

    /// <summary>The poison queue message matching <paramref name="match"/> (see <see cref="TestStorage.FindPoisonMessageAsync"/>).</summary>
    private static async Task<string> WaitPoisonAsync(Func<string, bool> match, TimeSpan? deadline = null) =>
        await TestStorage.FindPoisonMessageAsync(match, deadline ?? EnrichmentPipeline.MappingDeadline)
            ?? throw new TimeoutException("Timed out waiting for the poison queue message.");

    [Fact]
    public async Task A_notification_for_a_message_Front_does_not_know_ends_in_poison_with_its_reason()
    {
        await using var pipeline = await EnrichmentPipeline.StartAsync();
        var messageId = "msg_" + Guid.NewGuid().ToString("N")[..10];
        var conversationId = "cnv_" + Guid.NewGuid().ToString("N")[..10];

        // Signed as Front signs it, but for a message the simulator never created, and without external_id: the app must ask.
        var response = await pipeline.Host.SendSignedAsync(
            HttpMethod.Post, $"/api/front/channels/{pipeline.ChannelId}", FrontPayloads.MessageImported(messageId, conversationId, ["ghost thread"]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var deliveryKey = IngestNotification.DeliveryKeyFor(pipeline.ChannelId, messageId);
        var row = await WaitFailureRowAsync(pipeline, pipeline.ChannelId, TableKeyEncoding.Encode(deliveryKey));
        var reason = row.GetString("Reason");
        Assert.True(reason.Contains("404", StringComparison.Ordinal) || reason.Contains("not found", StringComparison.OrdinalIgnoreCase), reason);
        Assert.Equal(messageId, row.GetString("MessageId"));
        Assert.True(row.GetBoolean("Permanent"));
        Assert.Equal(1, row.GetInt64("DequeueCount")); // permanent: not retried
        Assert.False(row.ContainsKey("QueueMessage")); // ids and the reason, never the message body

        var poisoned = await WaitPoisonAsync(text => text.Contains(pipeline.ChannelId, StringComparison.Ordinal));
        Assert.Contains(messageId, poisoned, StringComparison.Ordinal);
        Assert.Contains(deliveryKey, poisoned, StringComparison.Ordinal);

        // Front was asked exactly once (a 404 is not retried), and nothing was mapped.
        var counters = await pipeline.Sim.GetCountersAsync();
        Assert.Equal(1, EnrichmentPipeline.Calls(counters, EnrichmentPipeline.GetMessageRoute, s => s == "404"));
        Assert.Equal(HttpStatusCode.NotFound, (await pipeline.GetAsync(pipeline.MessageByFrontId(messageId))).Status);
    }

    /// <summary>
    /// A failure that stays transient is retried by the queue (host.json: maxDequeueCount 5); at the last attempt, once the
    /// notification is older than <c>Enrichment__FrontUnavailableRetryWindow</c>, its reason is recorded before the queue
    /// listener moves it to the poison queue.
    /// </summary>
    [Fact]
    public async Task A_failure_that_never_clears_is_recorded_at_the_last_attempt_and_poisoned_by_the_queue()
    {
        await using var pipeline = await EnrichmentPipeline.StartAsync(new Dictionary<string, string?>
        {
            ["Front:MaxRetries"] = "0", // each queue attempt fails at once; the queue's own retries are under test
            // host.json's 5 s between attempts makes five attempts take ~30 s; maxDequeueCount (5) stays as deployed.
            ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:01",
            // Within this window a Front failure at the last attempt is queued again (IngestProcessorTests); 0: an outage
            // already past it.
            ["Enrichment:FrontUnavailableRetryWindow"] = "00:00:00",
        });
        await pipeline.Sim.SetFaultsAsync(new FrontSimulator.Control.FaultSettings { ErrorRate = 1.0 });
        var messageId = "msg_" + Guid.NewGuid().ToString("N")[..10];
        var response = await pipeline.Host.SendSignedAsync(
            HttpMethod.Post, $"/api/front/channels/{pipeline.ChannelId}", FrontPayloads.MessageImported(messageId, "cnv_" + Guid.NewGuid().ToString("N")[..10]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var deliveryKey = IngestNotification.DeliveryKeyFor(pipeline.ChannelId, messageId);
        var poisoned = await WaitPoisonAsync(text => text.Contains(pipeline.ChannelId, StringComparison.Ordinal), TimeSpan.FromSeconds(40));
        Assert.Contains(deliveryKey, poisoned, StringComparison.Ordinal);

        var row = await WaitFailureRowAsync(pipeline, pipeline.ChannelId, TableKeyEncoding.Encode(deliveryKey));
        Assert.False(row.GetBoolean("Permanent"));
        Assert.Equal(5, row.GetInt64("DequeueCount"));
        Assert.Matches("50[023]", row.GetString("Reason"));
        var counters = await pipeline.Sim.GetCountersAsync();
        Assert.True(EnrichmentPipeline.Calls(counters, EnrichmentPipeline.GetMessageRoute, s => s is "500" or "502" or "503") >= 5, "one Front call per queue attempt");
    }

    [Theory]
    [InlineData("this is not JSON {0}")]
    [InlineData("{{\"version\":1,\"channel_id\":\"cha_poison\",\"nonce\":\"{0}\"}}")]
    public async Task A_malformed_queue_message_ends_in_poison_with_its_reason(string template)
    {
        await using var pipeline = await EnrichmentPipeline.StartAsync(registerChannel: false);
        var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, Guid.NewGuid());
        var ingest = TestStorage.Queues().GetQueueClient(StorageNames.IngestQueue); // Base64, as the trigger expects
        await ingest.CreateIfNotExistsAsync();
        await ingest.SendMessageAsync(text);

        var rowKey = "text-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
        var row = await WaitFailureRowAsync(pipeline, DeliveryFailures.UnknownChannelPartition, rowKey);
        Assert.Contains("queue message", row.GetString("Reason"), StringComparison.OrdinalIgnoreCase);
        Assert.True(row.GetBoolean("Permanent"));
        Assert.False(row.ContainsKey("QueueMessage"));
        Assert.Equal(text.Length, row.GetInt32("QueueMessageLength"));

        Assert.Equal(text, await WaitPoisonAsync(candidate => candidate == text));
    }
}
