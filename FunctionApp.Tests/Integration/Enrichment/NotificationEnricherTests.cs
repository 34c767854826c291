using System.Net;
using FrontFunctions.Enrichment;
using FrontFunctions.Front;
using FrontFunctions.Ingest;
using FrontFunctions.IdMap;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Enrichment;

/// <summary>The enricher with the real id map (Azurite) and a scripted Front: which calls it makes, and what it writes.</summary>
public sealed class NotificationEnricherTests : IAsyncDisposable
{
    private readonly FrontTestHost _host = FrontTestHost.Create();
    private readonly string _channel = TestStorage.NewChannelId();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private NotificationEnricher Enricher => _host.Get<NotificationEnricher>();
    private IdMapStore Map => _host.Get<IdMapStore>();

    private IngestNotification Notification(string messageId, string conversationId, string? externalId = null, string? uid = null, params string[] threads) => new()
    {
        DeliveryKey = IngestNotification.DeliveryKeyFor(_channel, messageId),
        ChannelId = _channel,
        ReceivedAt = DateTimeOffset.UtcNow,
        MessageId = messageId,
        ConversationId = conversationId,
        ExternalId = externalId,
        MessageUid = uid,
        ExternalConversationIds = threads,
    };

    /// <summary>A Front that knows messages m_* with external id "ext-{id}" in conversation cnv_* with thread "thr-{cnv}".</summary>
    private void FrontKnowsEverything(TimeSpan? delay = null) => _host.Front.Respond = async request =>
    {
        if (delay is { } d)
        {
            await Task.Delay(d);
        }

        var path = request.RequestUri!.AbsolutePath;
        if (path.StartsWith("/messages/", StringComparison.Ordinal))
        {
            var id = path["/messages/".Length..];
            // msg_3x4 is message 4 of conversation cnv_3.
            return StubFrontHandler.Message(id, "cnv_" + id.Split('_')[1].Split('x')[0], "ext-" + id, "uid-" + id);
        }

        var conversation = path["/conversations/".Length..];
        return StubFrontHandler.Conversation(conversation, "thr-" + conversation);
    };

    [Fact]
    public async Task Nothing_is_fetched_when_the_notification_carries_the_metadata()
    {
        FrontKnowsEverything();

        var outcome = await Enricher.EnrichAsync(Notification("msg_1", "cnv_1", "ext/1", "uid-1", "thr/1"), CancellationToken.None);

        Assert.Empty(_host.Front.Requests);
        Assert.Equal(0, outcome.FrontCalls);
        Assert.Equal(("cnv_1", "ext/1", "uid-1"), (outcome.ConversationId, outcome.ExternalId, outcome.MessageUid));
        var mapped = await Map.FindMessageByExternalIdAsync(_channel, "ext/1");
        Assert.Equal("msg_1", mapped!.MessageId);
        Assert.Equal(["thr/1"], mapped.ExternalConversationIds);
    }

    [Fact]
    public async Task A_typical_message_costs_three_table_requests_in_three_round_trips()
    {
        // Issue 8.8: metadata present, conversation known. Read fc| once, insert fm| and xm| (with their links: one entity
        // group transaction since issue 22), read fc| again.
        FrontKnowsEverything();
        await Enricher.EnrichAsync(Notification("msg_1", "cnv_1", "ext-1", "uid-1", "thr-1"), CancellationToken.None);
        var counter = new RequestCounter();
        var options = new Azure.Data.Tables.TableClientOptions();
        options.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerCall);
        var map = new IdMapStore(new Azure.Data.Tables.TableServiceClient(TestStorage.ConnectionString, options), TimeProvider.System);
        var enricher = new NotificationEnricher(
            map, _host.Get<FrontApiClient>(), _host.Get<FrontConversationCache>(), _host.Get<FrontFunctions.Channels.ChannelRegistry>(),
            _host.Get<FrontFunctions.Imports.ImportStore>(), _host.Get<Microsoft.Extensions.Options.IOptions<EnrichmentOptions>>(), TimeProvider.System,
            _host.Get<Microsoft.Extensions.Logging.ILogger<NotificationEnricher>>());

        var outcome = await enricher.EnrichAsync(Notification("msg_2", "cnv_1", "ext-2", "uid-2", "thr-1"), CancellationToken.None);

        Assert.Equal(("cnv_1", "msg_2"), (outcome.ConversationId, (await Map.FindMessageByExternalIdAsync(_channel, "ext-2"))!.MessageId));
        Assert.Equal(["thr-1"], outcome.ExternalConversationIds);
        // Before: 10 requests one after the other (fc| read five times, fm|/xm| read before being written).
        Assert.Equal(["GET fc|cnv_1", "POST fm|msg_2 + xm|ext-2 + ml|cnv_1|fm|msg_2 + ml|cnv_1|xm|ext-2", "GET fc|cnv_1"], counter.Requests);
        Assert.Empty(_host.Front.Requests);
    }

    /// <summary>Records each table request as "METHOD row key" (for an insert, the row key of the body).</summary>
    private sealed class RequestCounter : Azure.Core.Pipeline.HttpPipelinePolicy
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _requests = new();

        public IReadOnlyList<string> Requests => [.. _requests];

        public override async ValueTask ProcessAsync(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            var uri = Uri.UnescapeDataString(message.Request.Uri.ToString());
            var key = System.Text.RegularExpressions.Regex.Match(uri, "RowKey='([^']*)'").Groups[1].Value;
            if (key.Length == 0 && message.Request.Content is { } content)
            {
                using var buffer = new MemoryStream();
                await content.WriteToAsync(buffer, default);
                // An insert's body, or a batch's (an insert with its ml| link since issue 22): every row key it writes.
                var body = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
                key = string.Join(" + ", System.Text.RegularExpressions.Regex.Matches(body, "\"RowKey\":\"([^\"]*)\"").Select(m => m.Groups[1].Value).Distinct());
            }

            _requests.Enqueue($"{message.Request.Method} {key}");
            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException();
    }

    [Fact]
    public async Task The_message_is_fetched_only_when_its_external_id_is_missing_and_only_once()
    {
        FrontKnowsEverything();

        var first = await Enricher.EnrichAsync(Notification("msg_1", "cnv_1", threads: "thr/1"), CancellationToken.None);
        var again = await Enricher.EnrichAsync(Notification("msg_1", "cnv_1", threads: "thr/1"), CancellationToken.None);

        Assert.Equal(1, _host.Front.Count("/messages/msg_1"));
        Assert.Equal(0, _host.Front.Count("/conversations/"));
        Assert.Equal((1, 0), (first.FrontCalls, again.FrontCalls));
        Assert.Equal("ext-msg_1", first.ExternalId);
        Assert.Equal("uid-msg_1", first.MessageUid);
        Assert.Equal("msg_1", (await Map.FindMessageByExternalIdAsync(_channel, "ext-msg_1"))!.MessageId);
    }

    [Fact]
    public async Task The_conversation_is_fetched_only_when_its_external_ids_are_unknown()
    {
        FrontKnowsEverything();

        await Enricher.EnrichAsync(Notification("msg_1", "cnv_1", "ext-1"), CancellationToken.None);
        await Enricher.EnrichAsync(Notification("msg_2", "cnv_1", "ext-2"), CancellationToken.None);

        Assert.Equal(1, _host.Front.Count("/conversations/cnv_1"));
        Assert.Equal(0, _host.Front.Count("/messages/"));
        Assert.Equal(["thr-cnv_1"], (await Map.FindMessageByExternalIdAsync(_channel, "ext-2"))!.ExternalConversationIds);
    }

    [Fact]
    public async Task Concurrent_work_on_one_conversation_shares_one_call()
    {
        FrontKnowsEverything(delay: TimeSpan.FromMilliseconds(300));

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(i => Enricher.EnrichAsync(Notification($"msg_{i}", "cnv_shared", $"ext-{i}"), CancellationToken.None)));

        Assert.Equal(1, _host.Front.Count("/conversations/cnv_shared"));
        Assert.Equal(1, outcomes.Sum(o => o.FrontCalls));
        Assert.All(outcomes, o => Assert.Equal(["thr-cnv_shared"], o.ExternalConversationIds));
    }

    [Fact]
    public async Task Without_any_metadata_a_backlog_costs_at_most_1_1_calls_per_message()
    {
        FrontKnowsEverything();
        var notifications = Enumerable.Range(0, 20).SelectMany(c => Enumerable.Range(0, 10)
            .Select(m => Notification($"msg_{c}x{m}", $"cnv_{c}x{m}".Split('x')[0]))).ToList();

        // Conversation by conversation, several at once, as a queue trigger batch would run them.
        await Parallel.ForEachAsync(notifications, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (n, ct) => await Enricher.EnrichAsync(n, ct));

        var calls = _host.Front.Requests.Count;
        Assert.True(calls <= 1.1 * notifications.Count, $"{calls} calls for {notifications.Count} messages");
        Assert.Equal(notifications.Count, _host.Front.Count("/messages/"));
        Assert.Equal(20, _host.Front.Count("/conversations/"));
        Assert.Equal("msg_3x4", (await Map.FindMessageByExternalIdAsync(_channel, "ext-msg_3x4"))!.MessageId);
    }

    [Fact]
    public async Task A_redirected_conversation_records_the_merge()
    {
        _host.Front.Respond = request => Task.FromResult(request.RequestUri!.AbsolutePath switch
        {
            "/conversations/cnv_old" => StubFrontHandler.Redirect("cnv_new"),
            "/conversations/cnv_new" => StubFrontHandler.Conversation("cnv_new", "thr-old", "thr-new"),
            _ => new HttpResponseMessage(HttpStatusCode.NotFound),
        });
        await Map.RecordConversationAsync(_channel, "cnv_new", ["thr-new"]);

        var outcome = await Enricher.EnrichAsync(Notification("msg_1", "cnv_old", "ext-1"), CancellationToken.None);

        Assert.Equal("cnv_new", outcome.ConversationId);
        Assert.Equal("cnv_new", (await Map.GetConversationRowAsync(_channel, "cnv_old"))!.MergedInto);
        Assert.Equal("cnv_new", (await Map.FindConversationByExternalIdAsync(_channel, "thr-old"))!.ConversationId);
        Assert.Equal("cnv_new", (await Map.FindMessageByExternalIdAsync(_channel, "ext-1"))!.ConversationId);
    }

    [Fact]
    public async Task A_conflicting_claim_is_settled_by_asking_Front_about_the_other_conversation()
    {
        // cnv_a holds thr-shared; a notification of cnv_b lists thr-shared but not all of cnv_a's ids.
        await Map.RecordConversationAsync(_channel, "cnv_a", ["thr-a", "thr-shared"]);
        _host.Front.Respond = request => Task.FromResult(request.RequestUri!.AbsolutePath switch
        {
            "/conversations/cnv_a" => StubFrontHandler.Redirect("cnv_b"),
            "/conversations/cnv_b" => StubFrontHandler.Conversation("cnv_b", "thr-a", "thr-shared", "thr-b"),
            _ => new HttpResponseMessage(HttpStatusCode.NotFound),
        });

        var outcome = await Enricher.EnrichAsync(Notification("msg_1", "cnv_b", "ext-1", null, "thr-shared", "thr-b"), CancellationToken.None);

        Assert.Equal(1, outcome.FrontCalls);
        Assert.Equal("cnv_b", (await Map.FindConversationByExternalIdAsync(_channel, "thr-shared"))!.ConversationId);
        Assert.Equal(["thr-a", "thr-b", "thr-shared"], outcome.ExternalConversationIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_late_pre_merge_notification_is_settled_by_asking_Front_about_its_own_conversation()
    {
        // Issue 8.1: cnv_a was merged into cnv_b. The post-merge notification (cnv_b, [thr-a, thr-b]) is processed first and
        // claims thr-a for cnv_b with no holder; the pre-merge notification of a message in cnv_a (cnv_a, [thr-a]) comes
        // later. Only Front's 301 for cnv_a can tell what happened.
        _host.Front.Respond = request => Task.FromResult(request.RequestUri!.AbsolutePath switch
        {
            "/conversations/cnv_a" => StubFrontHandler.Redirect("cnv_b"),
            "/conversations/cnv_b" => StubFrontHandler.Conversation("cnv_b", "thr-a", "thr-b"),
            _ => new HttpResponseMessage(HttpStatusCode.NotFound),
        });
        await Enricher.EnrichAsync(Notification("msg_b", "cnv_b", "ext-b", null, "thr-a", "thr-b"), CancellationToken.None);

        var outcome = await Enricher.EnrichAsync(Notification("msg_a", "cnv_a", "ext-a", null, "thr-a"), CancellationToken.None);

        Assert.Equal(1, _host.Front.Count("/conversations/cnv_a"));
        Assert.Equal("cnv_b", outcome.ConversationId);
        Assert.Equal(["thr-a", "thr-b"], outcome.ExternalConversationIds.Order(StringComparer.Ordinal));
        Assert.Equal("cnv_b", (await Map.GetConversationRowAsync(_channel, "cnv_a"))!.MergedInto);
        Assert.Equal("cnv_b", (await Map.GetMessageRowAsync(_channel, "msg_a"))!.ConversationId);
        var message = await Map.FindMessageByExternalIdAsync(_channel, "ext-a");
        Assert.Equal("cnv_b", message!.ConversationId);
        Assert.Equal(["thr-a", "thr-b"], message.ExternalConversationIds.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task A_refusal_for_another_conversation_claiming_the_same_id_does_not_poison_the_message(HttpStatusCode status)
    {
        // Issue 8.3: cnv_a (deleted in Front since) holds thr-shared; a notification of cnv_b lists thr-shared too.
        await Map.RecordConversationAsync(_channel, "cnv_a", ["thr-a", "thr-shared"]);
        _host.Front.Respond = request => Task.FromResult(request.RequestUri!.AbsolutePath switch
        {
            "/conversations/cnv_b" => StubFrontHandler.Conversation("cnv_b", "thr-shared", "thr-b"),
            _ => new HttpResponseMessage(status),
        });

        var outcome = await Enricher.EnrichAsync(Notification("msg_1", "cnv_b", "ext-1", null, "thr-shared", "thr-b"), CancellationToken.None);

        Assert.Equal(1, _host.Front.Count("/conversations/cnv_a"));
        Assert.Equal("cnv_b", outcome.ConversationId);
        var mapped = await Map.FindMessageByExternalIdAsync(_channel, "ext-1");
        Assert.Equal(("msg_1", "cnv_b"), (mapped!.MessageId, mapped.ConversationId));
        Assert.Contains("thr-b", mapped.ExternalConversationIds);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task Refusals_and_missing_messages_are_permanent(HttpStatusCode status)
    {
        _host.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(status));

        var e = await Assert.ThrowsAsync<PermanentEnrichmentException>(() => Enricher.EnrichAsync(Notification("msg_1", "cnv_1"), CancellationToken.None));

        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), e.Reason, StringComparison.Ordinal);
        Assert.Null(await Map.FindMessageByFrontIdAsync(_channel, "msg_1"));
    }

    [Fact]
    public async Task A_refused_token_for_a_deleted_channel_says_so()
    {
        var registry = _host.Get<FrontFunctions.Channels.ChannelRegistry>();
        await registry.AuthorizeAsync(_channel, CancellationToken.None);
        await registry.MarkDeletedAsync(_channel, CancellationToken.None);
        _host.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.Unauthorized));

        var e = await Assert.ThrowsAsync<PermanentEnrichmentException>(() => Enricher.EnrichAsync(Notification("msg_1", "cnv_1"), CancellationToken.None));

        Assert.Contains("deleted", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_errors_propagate_as_transient_after_retries()
    {
        _host.Front.Respond = _ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadGateway));

        var e = await Assert.ThrowsAsync<FrontApiException>(() => Enricher.EnrichAsync(Notification("msg_1", "cnv_1"), CancellationToken.None));

        Assert.False(e.Permanent);
        Assert.Equal(3, _host.Front.Requests.Count);
    }

    [Fact]
    public async Task A_notification_with_unusable_ids_is_permanent()
    {
        await Assert.ThrowsAsync<PermanentEnrichmentException>(() => Enricher.EnrichAsync(Notification("not-a-message", "cnv_1", "e"), CancellationToken.None));
        Assert.Empty(_host.Front.Requests);
    }
}
