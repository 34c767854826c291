using Azure.Data.Tables;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator.Control;
using Microsoft.Extensions.DependencyInjection;
using FrontFunctions.Failures;

namespace FrontFunctions.Tests.Integration.Outbound;

/// <summary>
/// A partner that refuses or keeps failing: the item ends in <c>front-outbound-poison</c> with its reason in
/// <c>FrontDeliveryFailures</c> (RowKey <c>outbound:{webhook-id}</c>), through the real queue listener.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class PartnerFailureTests
{
    [Fact]
    public async Task A_permanent_4xx_is_not_retried_and_goes_to_the_poison_queue_at_once_with_the_reason()
    {
        await using var two = await TwoWayPipeline.StartAsync();
        two.Partner.Respond = (_, _) => 400;

        var (_, answer) = await two.ReplyAsync(new TeammateMessage { ConversationId = null });
        var webhookId = OutboundItem.WebhookIdFor(two.ChannelId, answer.ExternalId);

        var row = await WaitFailureRowAsync(two, webhookId);
        Assert.Contains("answered 400", row.GetString("Reason"), StringComparison.Ordinal);
        Assert.Contains("permanent", row.GetString("Reason"), StringComparison.Ordinal);
        Assert.True(row.GetBoolean("Permanent"));
        Assert.Equal(1, row.GetInt64("DequeueCount"));
        await WaitPoisonAsync(two, webhookId);
        Assert.Single(two.Partner.Received, r => r.WebhookId == webhookId); // one attempt only

        // Fixed on the partner's side: the re-queue tool's class puts it back, and it is delivered with the same webhook-id.
        two.Partner.Respond = (_, _) => 204;
        var requeue = two.Pipeline.Host.Services.GetRequiredService<FrontFunctions.Failures.PoisonRequeue>();
        await two.Pipeline.WaitAsync(async () =>
            (await requeue.RequeueAsync(two.ChannelId, 10, CancellationToken.None, StorageNames.OutboundQueue)).RequeuedCount > 0
            || two.Partner.Received.Count(r => r.WebhookId == webhookId) >= 2, "the re-queue (the poison message may still be hidden by the wait above)", TimeSpan.FromSeconds(45));
        await two.Pipeline.WaitAsync(() => Task.FromResult(two.Partner.Received.Count(r => r.WebhookId == webhookId) >= 2), "the delivery after the re-queue");
    }

    [Fact]
    public async Task A_partner_failing_with_5xx_past_a_zero_retry_window_is_given_up_after_the_in_call_retries_with_the_reason()
    {
        // Partner__RetryWindow 0: no re-queue (PartnerOutageTests covers the window); the in-call retries, then given up.
        await using var two = await TwoWayPipeline.StartAsync(settings: new Dictionary<string, string?> { ["Partner:RetryWindow"] = "00:00:00" });
        two.Partner.Respond = (_, _) => 503;

        var (_, answer) = await two.ReplyAsync(new TeammateMessage { ConversationId = null });
        var webhookId = OutboundItem.WebhookIdFor(two.ChannelId, answer.ExternalId);

        var row = await WaitFailureRowAsync(two, webhookId);
        Assert.Contains("answered 503", row.GetString("Reason"), StringComparison.Ordinal);
        Assert.Contains("retry window", row.GetString("Reason"), StringComparison.Ordinal);
        Assert.False(row.GetBoolean("Permanent"));
        Assert.Equal(1, row.GetInt64("DequeueCount"));
        await WaitPoisonAsync(two, webhookId, TimeSpan.FromSeconds(30));
        // One queue attempt × (1 + Partner:MaxRetries 1) HTTP attempts, all with the message's one webhook-id.
        Assert.Equal(2, two.Partner.Received.Count(r => r.WebhookId == webhookId));
    }

    [Fact]
    public async Task A_5xx_then_success_is_delivered_once_successfully_with_a_fresh_signature_per_attempt()
    {
        await using var two = await TwoWayPipeline.StartAsync();
        two.Partner.Respond = (_, seen) => seen < 2 ? 500 : 204;

        var (_, answer) = await two.ReplyAsync(new TeammateMessage { ConversationId = null });
        var webhookId = OutboundItem.WebhookIdFor(two.ChannelId, answer.ExternalId);

        await two.Pipeline.WaitAsync(() => Task.FromResult(two.Partner.Received.Count(r => r.WebhookId == webhookId) >= 3), "three attempts");
        var attempts = two.Partner.Received.Where(r => r.WebhookId == webhookId).ToList();
        Assert.All(attempts, a => new StandardWebhooks.StandardWebhook(two.Secret).Verify(a.Body, a.Headers));
        Assert.Single(attempts.Select(a => a.Body).Distinct());
    }

    private static async Task<TableEntity> WaitFailureRowAsync(TwoWayPipeline two, string webhookId, TimeSpan? deadline = null)
    {
        var table = TestStorage.Tables().GetTableClient(StorageNames.FailuresTable);
        TableEntity? row = null;
        await two.Pipeline.WaitAsync(async () =>
        {
            var response = await table.GetEntityIfExistsAsync<TableEntity>(two.ChannelId, FrontFunctions.IdMap.TableKeyEncoding.Encode(PartnerDelivery.FailureKeyPrefix + webhookId));
            row = response.HasValue ? response.Value : null;
            return row is not null && (deadline is null || row.GetBoolean("Permanent") == true || row.GetInt64("DequeueCount") >= 5);
        }, "the failure row", deadline);
        return row!;
    }

    private static async Task WaitPoisonAsync(TwoWayPipeline two, string webhookId, TimeSpan? deadline = null)
    {
        var poison = TestStorage.Queues().GetQueueClient(StorageNames.OutboundPoisonQueue);
        await two.Pipeline.WaitAsync(async () =>
        {
            if (!(await poison.ExistsAsync()).Value)
            {
                return false;
            }

            return (await poison.PeekMessagesAsync(32)).Value.Any(m => m.Body.ToString().Contains(webhookId, StringComparison.Ordinal))
                || (await poison.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value.Any(m => m.Body.ToString().Contains(webhookId, StringComparison.Ordinal));
        }, "the poison queue message", deadline);
    }
}
