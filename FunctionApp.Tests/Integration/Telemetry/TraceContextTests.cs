using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using FrontFunctions.Ingest;
using FrontFunctions.Storage;
using FrontFunctions.Telemetry;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.Tests.Integration.Enrichment;

namespace FrontFunctions.Tests.Integration.Telemetry;

/// <summary>
/// A webhook and the enrichment of its message are one trace: the ingest queue message carries the webhook span's W3C
/// context and the queue function's span is its child — through the real queue and the real listener.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class TraceContextTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public TraceContextTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == FrontTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task The_enrichment_span_is_a_child_of_the_webhook_span_through_the_queue()
    {
        await using var pipeline = await EnrichmentPipeline.StartAsync();
        await pipeline.ImportAsync("trace-1", "trace-thread");
        await pipeline.WaitForAsync(pipeline.MessageByExternalId("trace-1"), m => m.GetProperty("message_id").GetString() is not null);

        var webhook = await SpanAsync("front.webhook", pipeline.ChannelId);
        var enrich = await SpanAsync("front.enrich", pipeline.ChannelId);
        Assert.Equal("message_imported", webhook.GetTagItem("front.webhook_type"));
        Assert.Equal(webhook.TraceId, enrich.TraceId);
        Assert.Equal(webhook.SpanId, enrich.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, enrich.Kind);
        Assert.True(enrich.HasRemoteParent);
    }

    [Fact]
    public async Task A_message_queued_without_trace_context_is_still_mapped_in_a_trace_of_its_own()
    {
        await using var pipeline = await EnrichmentPipeline.StartAsync();
        await pipeline.ImportAsync("old-format-1", "old-thread");
        var snapshot = await pipeline.WaitCreatedAsync(1);
        var conversation = snapshot.Conversations.Single();
        var message = conversation.Messages.Single();
        await pipeline.WaitForAsync(pipeline.MessageByExternalId("old-format-1"), m => m.GetProperty("message_id").GetString() == message.Id);

        // The same notification as a build before trace context queued it: no traceparent / tracestate.
        var old = new IngestNotification
        {
            DeliveryKey = IngestNotification.DeliveryKeyFor(pipeline.ChannelId, message.Id),
            ChannelId = pipeline.ChannelId,
            ReceivedAt = DateTimeOffset.UtcNow,
            MessageId = message.Id,
            ConversationId = conversation.Id,
            ExternalConversationIds = ["old-thread"],
            ExternalId = "old-format-1",
        };
        var text = JsonSerializer.Serialize(old, IngestJsonContext.Default.IngestNotification);
        Assert.DoesNotContain("traceparent", text, StringComparison.Ordinal);
        await TestStorage.Queues().GetQueueClient(StorageNames.IngestQueue).SendMessageAsync(text);

        var root = await FrontFunctions.TestSupport.Eventually.UntilAsync(
            () => Task.FromResult(_stopped.FirstOrDefault(a => a.OperationName == "front.enrich"
                && (string?)a.GetTagItem("front.channel_id") == pipeline.ChannelId && a.ParentSpanId == default)),
            "the old-format message's enrichment span (no parent)", TimeSpan.FromSeconds(20));
        Assert.False(root.HasRemoteParent);
        await pipeline.WaitAsync(() => Task.FromResult(pipeline.MappedLogLines() >= 2), "the old-format message mapped (a second time)");
        var mapped = await pipeline.WaitForAsync(pipeline.MessageByExternalId("old-format-1"), m => m.GetProperty("message_id").GetString() == message.Id);
        Assert.Equal(conversation.Id, mapped.GetProperty("conversation_id").GetString());
    }

    [Fact]
    public async Task The_partner_delivery_span_is_a_child_of_the_message_webhook_span_through_the_outbound_queue()
    {
        await using var two = await Outbound.TwoWayPipeline.StartAsync();
        two.Partner.Respond = (_, _) => 204;

        var (_, answer) = await two.ReplyAsync(new FrontSimulator.Control.TeammateMessage { ConversationId = null });
        var webhookId = FrontFunctions.Outbound.OutboundItem.WebhookIdFor(two.ChannelId, answer.ExternalId);
        await two.Pipeline.WaitAsync(() => Task.FromResult(two.Partner.Received.Any(r => r.WebhookId == webhookId)), "the delivery to the partner");

        var webhook = await SpanAsync("front.webhook", two.ChannelId);
        var deliver = await SpanAsync("front.deliver", two.ChannelId);
        Assert.Equal("message", webhook.GetTagItem("front.webhook_type"));
        Assert.Equal(webhook.TraceId, deliver.TraceId);
        Assert.Equal(webhook.SpanId, deliver.ParentSpanId);
    }

    private async Task<Activity> SpanAsync(string name, string channelId)
    {
        try
        {
            return await FrontFunctions.TestSupport.Eventually.UntilAsync(
                () => Task.FromResult(_stopped.FirstOrDefault(a => a.OperationName == name && (string?)a.GetTagItem("front.channel_id") == channelId)),
                $"a stopped {name} span of channel {channelId}", TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "; stopped: " + string.Join(", ", _stopped.Select(a => $"{a.OperationName} {a.GetTagItem("front.channel_id")}")), e);
        }
    }
}
