using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.Channels;
using FrontFunctions.IdMap;
using FrontFunctions.Ingest;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using FrontFunctions.TestSupport;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using FrontFunctions.Webhooks;

namespace FrontFunctions.Tests.Integration.Outbound;

/// <summary>
/// Issue 19, point 6: one answer, one outcome. Front never gets a 5xx for a reply that is nevertheless delivered, unless
/// its retry gets the identical 200 and the partner sees one webhook-id. The webhook is called in process (its real
/// handler, with the 4.5 s answer deadline), storage is Azurite seen through a fault-injecting pipeline policy, and what
/// the partner sees is what <see cref="PartnerDelivery"/> posts to a receiver on loopback for the channel's queued items.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class OneAnswerOneOutcomeTests : IAsyncLifetime
{
    private readonly StorageFaults _faults = new();
    private readonly string _channel = TestStorage.NewChannelId();
    private PartnerReceiver _partner = null!;
    private FrontTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _partner = await PartnerReceiver.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Partner:OutboundUrl"] = _partner.Url.AbsoluteUri,
            ["Partner:SigningSecret"] = PartnerOptions.SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Partner:MaxRetries"] = "0",
        };
        _host = FrontTestHost.Create(settings: settings, configure: services =>
        {
            var tables = new TableClientOptions();
            tables.AddPolicy(_faults, HttpPipelinePosition.PerCall);
            services.AddSingleton(new TableServiceClient(TestStorage.ConnectionString, tables));
            var queues = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
            queues.AddPolicy(_faults, HttpPipelinePosition.PerCall);
            services.AddSingleton(new QueueServiceClient(TestStorage.ConnectionString, queues));
        });
        await _host.Get<ChannelRegistry>().AuthorizeAsync(_channel, CancellationToken.None);
        await _host.Get<IdMapStore>().RecordConversationAsync(_channel, "cnv_1", ["sms:+15550100"]);
        await _host.Get<QueueServiceClient>().GetQueueClient(StorageNames.OutboundQueue).CreateIfNotExistsAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _partner.DisposeAsync();
    }

    [Fact]
    public async Task A_reply_whose_row_write_fails_is_not_queued_and_the_retry_that_answers_200_is_delivered_once()
    {
        _faults.Fail = IsIdMapWrite;
        var body = Reply("msg_f1");

        // Front sends, and retries twice while the map cannot be written: each time 503.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Assert.Equal(503, (await SendAsync(body)).Status);
        }

        Assert.True(_faults.Failed >= 3, "the fault was not injected");
        Assert.Empty(await DeliverQueuedAsync()); // nothing reaches the partner for a reply Front was told failed

        _faults.Fail = null;
        var retried = await SendAsync(body);
        var again = await SendAsync(body);

        Assert.Equal(200, retried.Status);
        Assert.Equal(retried, again); // the identical 200
        Assert.Equal(("front:msg_f1", "sms:+15550100"), Ids(retried.Body));
        var delivered = await DeliverQueuedAsync();
        Assert.Equal([OutboundItem.WebhookIdFor(_channel, "front:msg_f1")], delivered.Distinct());
    }

    [Fact]
    public async Task A_reply_whose_rows_miss_the_answer_deadline_is_not_queued_and_the_retry_is_delivered_once()
    {
        // Storage that takes longer than the answer deadline for the rows: the request is given up at the deadline.
        _faults.DelayBeforeSending = IsIdMapWrite;
        var body = Reply("msg_d1");

        var started = System.Diagnostics.Stopwatch.StartNew();
        var late = await SendAsync(body);

        Assert.Equal(503, late.Status);
        Assert.InRange(started.Elapsed, FrontWebhookHandler.AnswerDeadline - TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(7));
        Assert.Empty(await DeliverQueuedAsync());

        _faults.DelayBeforeSending = null;
        var retried = await SendAsync(body);

        Assert.Equal(200, retried.Status);
        Assert.Equal(("front:msg_d1", "sms:+15550100"), Ids(retried.Body));
        Assert.Equal([OutboundItem.WebhookIdFor(_channel, "front:msg_d1")], await DeliverQueuedAsync());
    }

    [Fact]
    public async Task A_queue_write_whose_answer_is_lost_at_the_deadline_is_answered_identically_on_retry_with_one_webhook_id()
    {
        // The one window left: storage took the queue write, its answer came after the deadline. Front got 503 although the
        // item is queued; its retry must get the identical 200, and the partner sees a single webhook-id.
        _faults.DelayAfterSending = IsQueueSend;
        var body = Reply("msg_q1");

        Assert.Equal(503, (await SendAsync(body)).Status);
        _faults.DelayAfterSending = null;
        var retried = await SendAsync(body);
        var reference = await SendAsync(body);

        Assert.Equal(200, retried.Status);
        Assert.Equal(reference, retried);
        Assert.Equal(("front:msg_q1", "sms:+15550100"), Ids(retried.Body));
        var delivered = await DeliverQueuedAsync();
        Assert.NotEmpty(delivered);
        Assert.Equal([OutboundItem.WebhookIdFor(_channel, "front:msg_q1")], delivered.Distinct());
    }

    [Fact]
    public async Task Two_identical_autoreplies_without_message_replied_to_are_answered_and_delivered_as_two_messages()
    {
        // Issue 19, point 9, end to end: the same auto-reply text sent twice in a conversation (no id, no message_replied_to,
        // sent at different times) is two messages for the partner; Front's retry of the first is still the first.
        var first = Autoreply(createdAt: "1700000000.125");
        var second = Autoreply(createdAt: "1700000360.5");

        var answers = new[] { await SendAsync(first), await SendAsync(second), await SendAsync(first) };

        Assert.All(answers, a => Assert.Equal(200, a.Status));
        Assert.NotEqual(Ids(answers[0].Body).ExternalId, Ids(answers[1].Body).ExternalId);
        Assert.Equal(answers[0], answers[2]);
        var delivered = await DeliverQueuedAsync();
        Assert.Equal(
            new[] { Ids(answers[0].Body).ExternalId!, Ids(answers[1].Body).ExternalId! }.Select(x => OutboundItem.WebhookIdFor(_channel, x)).Order(StringComparer.Ordinal),
            delivered.Distinct().Order(StringComparer.Ordinal));
    }

    private static string Autoreply(string createdAt) =>
        "{\"type\":\"message_autoreply\",\"payload\":{\"_links\":{\"self\":null,\"related\":{\"conversation\":\"https://acme.api.frontapp.com/conversations/cnv_1\"}},"
        + "\"type\":\"auto_reply\",\"is_inbound\":false,\"created_at\":" + createdAt + ",\"author\":null,"
        + "\"recipients\":[{\"handle\":\"+15550100\",\"role\":\"to\",\"name\":null}],\"body\":\"<p>Out of office</p>\",\"text\":\"Out of office\",\"attachments\":[]}}";

    private static (string? ExternalId, string? ExternalConversationId) Ids(string answer)
    {
        var root = JsonDocument.Parse(answer).RootElement;
        return (root.GetProperty("external_id").GetString(), root.GetProperty("external_conversation_id").GetString());
    }

    private static bool IsIdMapWrite(HttpMessage message)
    {
        var path = message.Request.Uri.Path;
        return message.Request.Method != RequestMethod.Get
            && (path.Contains(StorageNames.IdMapTable, StringComparison.Ordinal) || path.EndsWith("$batch", StringComparison.Ordinal));
    }

    private static bool IsQueueSend(HttpMessage message) =>
        message.Request.Method == RequestMethod.Post && message.Request.Uri.Path.EndsWith($"/{StorageNames.OutboundQueue}/messages", StringComparison.Ordinal);

    private static string Reply(string messageId) =>
        "{\"type\":\"message\",\"payload\":{\"_links\":{\"self\":\"https://acme.api.frontapp.com/messages/" + messageId
        + "\",\"related\":{\"conversation\":\"https://acme.api.frontapp.com/conversations/cnv_1\"}},\"id\":\"" + messageId
        + "\",\"type\":\"custom\",\"is_inbound\":false,\"created_at\":1700000000.5,\"author\":{\"id\":\"tea_1\",\"email\":\"ada@example.com\"},"
        + "\"recipients\":[{\"handle\":\"+15550100\",\"role\":\"to\",\"name\":null}],\"body\":\"<p>Reply</p>\",\"text\":\"Reply\",\"attachments\":[]}}";

    /// <summary>The channel webhook's answer to <paramref name="json"/>, signed now as Front signs.</summary>
    private async Task<(int Status, string Body)> SendAsync(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var timestamp = FrontWebhookSigner.Timestamp();
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        context.Request.ContentType = "application/json";
        context.Request.Headers["X-Front-Request-Timestamp"] = timestamp;
        context.Request.Headers["X-Front-Signature"] = FrontWebhookSigner.Sign(FrontTestHost.AppSecret, timestamp, bytes);
        // Through the function and its HTTP edge, which turns storage unavailability into the 503 (Http/HttpEdge.cs).
        var functions = new FrontFunctions.Functions.FrontWebhookFunctions(_host.Get<FrontWebhookHandler>(), _host.Get<FrontFunctions.Http.HttpEdge>());
        var answer = Assert.IsType<FrontFunctions.Http.HttpAnswer>(await functions.ChannelWebhook(context.Request, _channel, CancellationToken.None));
        return (answer.StatusCode, answer.Body is null ? "" : JsonSerializer.Serialize(answer.Body, answer.Body.GetType()));
    }

    /// <summary>
    /// What the delivery function would send the partner now: every item of this channel on <c>front-outbound</c> is taken
    /// off the queue and delivered; returns the webhook-ids the partner received (items of other channels are left visible).
    /// </summary>
    private async Task<List<string>> DeliverQueuedAsync()
    {
        var queue = _host.Get<QueueServiceClient>().GetQueueClient(StorageNames.OutboundQueue);
        var before = _partner.Received.Count;
        var others = new List<Azure.Storage.Queues.Models.QueueMessage>();
        while (true)
        {
            var batch = (await queue.ReceiveMessagesAsync(maxMessages: 32, visibilityTimeout: TimeSpan.FromSeconds(30))).Value;
            if (batch.Length == 0)
            {
                break;
            }

            foreach (var message in batch)
            {
                var text = message.Body.ToString();
                if (OutboundItem.TryParse(text, out _) is { } item && item.ChannelId == _channel)
                {
                    await _host.Get<PartnerDelivery>().ProcessAsync(text, 1, 5, CancellationToken.None);
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                }
                else
                {
                    others.Add(message);
                }
            }
        }

        foreach (var other in others)
        {
            await queue.UpdateMessageAsync(other.MessageId, other.PopReceipt, visibilityTimeout: TimeSpan.Zero);
        }

        return [.. _partner.Received.Skip(before).Select(r => r.WebhookId)];
    }

    /// <summary>Storage faults on the app's own clients, switched on and off by the test (requests of other hosts pass).</summary>
    private sealed class StorageFaults : HttpPipelinePolicy
    {
        private int _failed;

        /// <summary>Requests that fail before they are sent (storage answered 503).</summary>
        public Func<HttpMessage, bool>? Fail { get; set; }

        /// <summary>Requests held back longer than the answer deadline before they are sent (given up when cancelled).</summary>
        public Func<HttpMessage, bool>? DelayBeforeSending { get; set; }

        /// <summary>Requests sent at once whose answer is held back longer than the answer deadline (storage acted).</summary>
        public Func<HttpMessage, bool>? DelayAfterSending { get; set; }

        public int Failed => Volatile.Read(ref _failed);

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (Fail?.Invoke(message) == true)
            {
                Interlocked.Increment(ref _failed);
                throw new RequestFailedException(503, "Injected: storage refused the write.");
            }

            if (DelayBeforeSending?.Invoke(message) == true)
            {
                await Task.Delay(FrontWebhookHandler.AnswerDeadline + TimeSpan.FromSeconds(3), message.CancellationToken);
            }

            var late = DelayAfterSending?.Invoke(message) == true;
            await ProcessNextAsync(message, pipeline);
            if (late)
            {
                await Task.Delay(FrontWebhookHandler.AnswerDeadline + TimeSpan.FromSeconds(3), message.CancellationToken);
            }
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The app's storage calls are asynchronous.");
    }
}
