using System.Text.Json;
using System.Xml.Linq;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Queues;
using FrontFunctions.Enrichment;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.Failures;

namespace FrontFunctions.Tests.Integration.Poison;

[Collection(SharedQueueCollection.Name)]
public sealed class PoisonRequeueTests
{
    private readonly QueueServiceClient _queues = TestStorage.Queues();

    private static string[] PoisonTexts(params string[] channels) =>
        channels.Select((c, i) => JsonSerializer.Serialize(new { channel_id = c, message_id = $"msg_{i}_{Guid.NewGuid():N}" })).ToArray();

    private async Task<QueueClient> PoisonWithAsync(IEnumerable<string> texts)
    {
        var poison = _queues.GetQueueClient(StorageNames.IngestPoisonQueue);
        await poison.CreateIfNotExistsAsync();
        await _queues.GetQueueClient(StorageNames.IngestQueue).CreateIfNotExistsAsync();
        foreach (var text in texts)
        {
            await poison.SendMessageAsync(text);
        }

        return poison;
    }

    private static string MessageIdOf(string text) => JsonDocument.Parse(text).RootElement.GetProperty("message_id").GetString()!;

    /// <summary>The poison queue's visible messages that contain <paramref name="marker"/> (received and shown again at once).</summary>
    private static async Task<List<string>> VisiblePoisonWithAsync(string marker)
    {
        var poison = TestStorage.Queues().GetQueueClient(StorageNames.IngestPoisonQueue);
        var found = new List<string>();
        var hidden = new List<(string Id, string Pop)>();
        while (true)
        {
            var batch = (await poison.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value;
            if (batch.Length == 0)
            {
                break;
            }

            foreach (var m in batch)
            {
                if (m.Body.ToString().Contains(marker, StringComparison.Ordinal))
                {
                    found.Add(m.Body.ToString());
                }

                hidden.Add((m.MessageId, m.PopReceipt));
            }
        }

        foreach (var (id, pop) in hidden)
        {
            await poison.UpdateMessageAsync(id, pop, visibilityTimeout: TimeSpan.Zero);
        }

        return found;
    }

    [Fact]
    public async Task Requeue_moves_one_channels_poison_messages_back_as_base64_text_unchanged()
    {
        var ingest = _queues.GetQueueClient(StorageNames.IngestQueue);
        await ingest.CreateIfNotExistsAsync();
        await ingest.ClearMessagesAsync();
        var mine = TestStorage.NewChannelId();
        var other = TestStorage.NewChannelId();
        var texts = PoisonTexts(mine, mine, other);
        var poison = await PoisonWithAsync(texts);

        var report = await new PoisonRequeue(_queues).RequeueAsync(mine, int.MaxValue, CancellationToken.None);

        Assert.Equal(2, report.RequeuedCount);
        Assert.Equal(texts.Take(2).Select(MessageIdOf).Order(), report.Requeued[mine].Order()); // says what it re-queued
        Assert.True(report.FoundAtStart >= 3);
        Assert.True(report.LeftForOtherChannels >= 1);
        var requeued = (await ingest.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).Order().ToArray();
        Assert.Equal(texts.Take(2).Order(), requeued);
        // Stored as Base64, as the Functions queue trigger expects: a plain client sees Base64 text, not JSON.
        var raw = new QueueClient(TestStorage.ConnectionString, StorageNames.IngestQueue);
        var stored = (await raw.PeekMessagesAsync(1)).Value.Single().Body.ToString();
        Assert.Equal(requeued.First(t => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(t)) == stored), System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(stored)));
        // The other channel's message stays poisoned, visible; none of this channel's is left there.
        var left = (await poison.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).ToArray();
        Assert.Contains(texts[2], left);
        Assert.DoesNotContain(texts[0], left);
        Assert.DoesNotContain(texts[1], left);
    }

    [Fact]
    public async Task Import_checks_that_failed_for_good_are_requeued_from_their_own_poison_queue()
    {
        // CheckOverdueImport retries a transient Front failure through the queue; after maxDequeueCount the host moves the check
        // to front-import-checks-poison. Before, PoisonRequeue (and so tools/RequeuePoison and the console) refused that queue.
        Assert.Contains(StorageNames.ImportCheckQueue, PoisonRequeue.Queues);
        var checks = _queues.GetQueueClient(StorageNames.ImportCheckQueue);
        var poison = _queues.GetQueueClient(StorageNames.ImportCheckPoisonQueue);
        await checks.CreateIfNotExistsAsync();
        await poison.CreateIfNotExistsAsync();
        var mine = TestStorage.NewChannelId();
        var other = TestStorage.NewChannelId();
        var texts = new[] { mine, mine, other }
            .Select((c, i) => JsonSerializer.Serialize(new FrontFunctions.Imports.ImportCheckMessage { ChannelId = c, ExternalId = $"sms:+1555/{i}", MessageUid = Guid.NewGuid().ToString("N") }, FrontFunctions.Imports.ImportJsonContext.Default.ImportCheckMessage))
            .ToArray();
        foreach (var text in texts)
        {
            await poison.SendMessageAsync(text);
        }

        var report = await new PoisonRequeue(_queues).RequeueAsync(mine, int.MaxValue, CancellationToken.None, StorageNames.ImportCheckQueue);

        Assert.Equal(2, report.RequeuedCount);
        Assert.Equal(["sms:+1555/0", "sms:+1555/1"], report.Requeued[mine].Order(StringComparer.Ordinal)); // named by external id
        var requeued = (await checks.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).Where(t => t.Contains(mine, StringComparison.Ordinal)).Order().ToArray();
        Assert.Equal(texts.Take(2).Order(), requeued);
        var left = (await poison.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()).ToArray();
        Assert.Contains(texts[2], left);
        Assert.DoesNotContain(texts[0], left);
        await new PoisonRequeue(_queues).RequeueAsync(other, int.MaxValue, CancellationToken.None, StorageNames.ImportCheckQueue);
        foreach (var m in (await checks.ReceiveMessagesAsync(32)).Value.Where(m => m.Body.ToString().Contains(mine, StringComparison.Ordinal) || m.Body.ToString().Contains(other, StringComparison.Ordinal)))
        {
            await checks.DeleteMessageAsync(m.MessageId, m.PopReceipt);
        }
    }

    /// <summary>
    /// Run before the cause is fixed, every re-queued message fails for good at once and comes back to the poison queue as a
    /// new message (here: the moment it reaches the ingest queue). Before the fix the run took those again, pass after pass,
    /// and never ended; now each message is taken once and what failed again stays poisoned.
    /// </summary>
    [Fact]
    public async Task A_message_that_fails_again_is_taken_once_per_run_not_in_a_loop()
    {
        var mine = TestStorage.NewChannelId();
        var texts = PoisonTexts(mine, mine, mine);
        await PoisonWithAsync(texts);
        var failAgain = new FailAgainPolicy(maxRepoisons: 50);
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        options.AddPolicy(failAgain, HttpPipelinePosition.PerCall);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var report = await new PoisonRequeue(new QueueServiceClient(TestStorage.ConnectionString, options)).RequeueAsync(mine, int.MaxValue, timeout.Token);

        Assert.Equal(3, failAgain.Sends); // each message sent to the ingest queue exactly once
        Assert.Equal(texts.Select(MessageIdOf).Order(), report.Requeued[mine].Order());
        // What failed again is in the poison queue, visible, once each.
        Assert.Equal(texts.Order(), (await VisiblePoisonWithAsync(mine)).Order());
        await _queues.GetQueueClient(StorageNames.IngestQueue).ClearMessagesAsync();
    }

    /// <summary>
    /// A run that outlives a set-aside message's pop receipt (someone else received it meanwhile) must not throw while
    /// putting the others back: before the fix the update in <c>finally</c> threw and hid the run's result.
    /// </summary>
    [Fact]
    public async Task A_run_that_outlives_a_pop_receipt_does_not_throw_and_reports_it()
    {
        var mine = TestStorage.NewChannelId();
        var other = TestStorage.NewChannelId();
        var texts = PoisonTexts(mine, other);
        await PoisonWithAsync(texts);
        var thief = new PopReceiptThief(other);
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        options.AddPolicy(thief, HttpPipelinePosition.PerCall);

        var report = await new PoisonRequeue(new QueueServiceClient(TestStorage.ConnectionString, options)).RequeueAsync(mine, int.MaxValue, CancellationToken.None);

        Assert.True(thief.Stolen >= 1, "the other channel's message was received by the run and then by someone else");
        Assert.Equal([MessageIdOf(texts[0])], report.Requeued[mine]);
        Assert.True(report.StillHidden >= 1);
        await _queues.GetQueueClient(StorageNames.IngestQueue).ClearMessagesAsync();
    }

    /// <summary>Every message sent to the ingest queue fails again at once: its text goes back to the poison queue.</summary>
    private sealed class FailAgainPolicy(int maxRepoisons) : HttpPipelinePolicy
    {
        private readonly QueueClient _rawPoison = new(TestStorage.ConnectionString, StorageNames.IngestPoisonQueue);
        private int _sends;

        public int Sends => Volatile.Read(ref _sends);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            if (message.Request.Method == RequestMethod.Post
                && message.Request.Uri.Path.EndsWith("/" + StorageNames.IngestQueue + "/messages", StringComparison.Ordinal)
                && message.Response.Status == 201 && message.Request.Content is { } content
                && Interlocked.Increment(ref _sends) <= maxRepoisons)
            {
                using var body = new MemoryStream();
                await content.WriteToAsync(body, CancellationToken.None);
                body.Position = 0;
                var base64 = XDocument.Load(body).Descendants("MessageText").Single().Value;
                await _rawPoison.SendMessageAsync(base64); // already Base64: stored as the trigger and the tool expect
            }
        }
    }

    /// <summary>
    /// When the run first re-queues a message, someone else receives the messages of <paramref name="channelId"/> that the run
    /// set aside (their hiding ran out): the run's pop receipts for them no longer hold.
    /// </summary>
    private sealed class PopReceiptThief(string channelId) : HttpPipelinePolicy
    {
        private readonly QueueClient _rawPoison = new(TestStorage.ConnectionString, StorageNames.IngestPoisonQueue);
        private readonly List<(string Id, string Pop)> _received = [];
        private int _stolen;

        public int Stolen => _stolen;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var path = message.Request.Uri.Path;
            if (message.Request.Method == RequestMethod.Post && path.EndsWith("/" + StorageNames.IngestQueue + "/messages", StringComparison.Ordinal))
            {
                foreach (var (id, pop) in _received.ToArray())
                {
                    await _rawPoison.UpdateMessageAsync(id, pop, visibilityTimeout: TimeSpan.FromMinutes(2));
                    _stolen++;
                }

                _received.Clear();
            }

            await ProcessNextAsync(message, pipeline);
            if (message.Request.Method == RequestMethod.Get && path.EndsWith("/" + StorageNames.IngestPoisonQueue + "/messages", StringComparison.Ordinal)
                && message.Response.Status == 200 && message.Response.Content.ToString() is { Length: > 0 } xml)
            {
                foreach (var m in XDocument.Parse(xml).Descendants("QueueMessage"))
                {
                    var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(m.Element("MessageText")!.Value));
                    if (text.Contains(channelId, StringComparison.Ordinal))
                    {
                        _received.Add((m.Element("MessageId")!.Value, m.Element("PopReceipt")!.Value));
                    }
                }
            }
        }
    }
}
