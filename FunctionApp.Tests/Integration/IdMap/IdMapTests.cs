using Azure.Data.Tables;
using FrontFunctions.IdMap;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Integration.IdMap;

/// <summary>The id map against Azurite: each test in its own channel (partition).</summary>
public sealed class IdMapTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly IdMapStore _map;
    private readonly string _channel = TestStorage.NewChannelId();

    public IdMapTests()
    {
        var tables = TestStorage.LimitedTables();
        TestStorage.EnsureAppStorage();
        _map = new IdMapStore(tables, _time);
    }

    private async Task<List<string>> SnapshotAsync()
    {
        var table = TestStorage.Tables().GetTableClient(StorageNames.IdMapTable);
        var rows = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {_channel}")))
        {
            rows.Add(row.RowKey + " => " + string.Join(", ", row.Keys
                .Where(k => k is not ("odata.etag" or "Timestamp" or "PartitionKey" or "RowKey"))
                .OrderBy(k => k, StringComparer.Ordinal)
                .Select(k => k + "=" + Convert.ToString(row[k], System.Globalization.CultureInfo.InvariantCulture))));
        }

        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    private async Task ImportAsync(string messageId, string conversationId, string? externalId, params string[] externalConversationIds)
    {
        var update = await _map.RecordConversationAsync(_channel, conversationId, externalConversationIds);
        await _map.RecordMessageAsync(_channel, messageId, update.ConversationId, externalId, "uid-" + messageId);
    }

    [Fact]
    public async Task Each_lookup_finds_what_was_recorded_with_hostile_ids()
    {
        const string external = "ext/1 #?\\ 100% 😀\u0001";
        const string thread = "thread/ä #1?";
        await ImportAsync("msg_1", "cnv_1", external, thread);

        var byExternal = await _map.FindMessageByExternalIdAsync(_channel, external);
        var byFront = await _map.FindMessageByFrontIdAsync(_channel, "msg_1");
        var conversationByExternal = await _map.FindConversationByExternalIdAsync(_channel, thread);
        var conversationByFront = await _map.FindConversationByFrontIdAsync(_channel, "cnv_1");

        var expected = new[] { thread };
        Assert.NotNull(byExternal);
        Assert.Equal(("msg_1", external, "cnv_1", "uid-msg_1"), (byExternal.MessageId, byExternal.ExternalId, byExternal.ConversationId, byExternal.MessageUid));
        Assert.Equal(expected, byExternal.ExternalConversationIds);
        Assert.NotNull(byFront);
        Assert.Equal(byExternal, byFront with { ExternalConversationIds = byExternal.ExternalConversationIds });
        Assert.Equal(expected, byFront!.ExternalConversationIds);
        Assert.Equal("cnv_1", conversationByExternal!.ConversationId);
        Assert.Equal(expected, conversationByExternal.ExternalConversationIds);
        Assert.Equal("cnv_1", conversationByFront!.ConversationId);
        Assert.Equal(expected, conversationByFront.ExternalConversationIds);
        Assert.Null(await _map.FindMessageByExternalIdAsync(_channel, "unknown"));
        Assert.Null(await _map.FindMessageByFrontIdAsync(_channel, "msg_unknown"));
        Assert.Null(await _map.FindConversationByExternalIdAsync(_channel, "unknown"));
        Assert.Null(await _map.FindConversationByFrontIdAsync(_channel, "cnv_unknown"));
    }

    [Fact]
    public async Task Channels_never_see_each_others_rows()
    {
        await ImportAsync("msg_1", "cnv_1", "same-external", "same-thread");
        var other = TestStorage.NewChannelId();

        Assert.Null(await _map.FindMessageByExternalIdAsync(other, "same-external"));
        Assert.Null(await _map.FindConversationByExternalIdAsync(other, "same-thread"));
        Assert.NotNull(await _map.FindMessageByExternalIdAsync(_channel, "same-external"));
    }

    [Fact]
    public async Task Processing_the_same_notification_twice_leaves_the_same_rows()
    {
        await ImportAsync("msg_1", "cnv_1", "e1", "t1", "t2");
        var once = await SnapshotAsync();

        await ImportAsync("msg_1", "cnv_1", "e1", "t1", "t2");
        var twice = await SnapshotAsync();

        Assert.Equal(9, once.Count); // xm, fm, xc ×2, fc, and an ml| link for each of xm, fm, xc ×2
        Assert.Equal(once, twice);
    }

    [Fact]
    public async Task A_survivor_listing_all_ids_of_another_conversation_records_the_merge_and_repoints_rows()
    {
        await ImportAsync("msg_old", "cnv_old", "e-old", "t-old");
        await ImportAsync("msg_new", "cnv_new", "e-new", "t-new", "t-old"); // Front gave the survivor t-old

        var oldRow = await _map.GetConversationRowAsync(_channel, "cnv_old");
        Assert.Equal("cnv_new", oldRow!.MergedInto);
        Assert.Equal("cnv_new", (await _map.FindConversationByExternalIdAsync(_channel, "t-old"))!.ConversationId);
        Assert.Equal("cnv_new", (await _map.FindConversationByFrontIdAsync(_channel, "cnv_old"))!.ConversationId);
        var moved = await _map.GetMessageRowAsync(_channel, "msg_old");
        Assert.Equal("cnv_new", moved!.ConversationId); // repointed, not just resolved at read time
        var message = await _map.FindMessageByExternalIdAsync(_channel, "e-old");
        Assert.Equal("cnv_new", message!.ConversationId);
        Assert.Equal(["t-new", "t-old"], message.ExternalConversationIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_older_notification_after_a_merge_does_not_undo_it()
    {
        await ImportAsync("msg_old", "cnv_old", "e-old", "t-old");
        await ImportAsync("msg_new", "cnv_new", "e-new", "t-new", "t-old");
        var merged = await SnapshotAsync();

        // The first notification arrives again, late: conversation cnv_old, only t-old.
        await ImportAsync("msg_old", "cnv_old", "e-old", "t-old");

        Assert.Equal(merged, await SnapshotAsync());
        Assert.Equal("cnv_new", (await _map.FindMessageByFrontIdAsync(_channel, "msg_old"))!.ConversationId);
    }

    [Fact]
    public async Task A_notification_listing_only_some_ids_of_another_conversation_is_not_a_merge()
    {
        await ImportAsync("msg_a", "cnv_a", "e-a", "t-a", "t-shared");

        var update = await _map.RecordConversationAsync(_channel, "cnv_b", ["t-shared", "t-b"]);

        Assert.Equal(["cnv_a"], update.UnresolvedClaims);
        Assert.Equal("cnv_a", (await _map.FindConversationByExternalIdAsync(_channel, "t-shared"))!.ConversationId);
        Assert.Null((await _map.GetConversationRowAsync(_channel, "cnv_a"))!.MergedInto);
        Assert.Equal(["t-b"], (await _map.FindConversationByFrontIdAsync(_channel, "cnv_b"))!.ExternalConversationIds);
    }

    [Fact]
    public async Task A_merge_reported_by_Front_repoints_rows_and_beats_an_inferred_reverse_merge()
    {
        await ImportAsync("msg_a", "cnv_a", "e-a", "t-a");
        await ImportAsync("msg_b", "cnv_b", "e-b", "t-b", "t-a"); // inferred: a → b (suppose wrongly)

        await _map.RecordMergeAsync(_channel, "cnv_b", "cnv_a", confirmedByFront: true); // Front: 301 b → a

        Assert.Null((await _map.GetConversationRowAsync(_channel, "cnv_a"))!.MergedInto);
        Assert.Equal("cnv_a", (await _map.GetConversationRowAsync(_channel, "cnv_b"))!.MergedInto);
        Assert.Equal("cnv_a", (await _map.FindConversationByExternalIdAsync(_channel, "t-b"))!.ConversationId);
        Assert.Equal("cnv_a", (await _map.FindMessageByExternalIdAsync(_channel, "e-b"))!.ConversationId);
        Assert.Equal("cnv_a", (await _map.GetMessageRowAsync(_channel, "msg_a"))!.ConversationId);
        Assert.Equal(["t-a", "t-b"], (await _map.FindConversationByFrontIdAsync(_channel, "cnv_a"))!.ExternalConversationIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Merges_chain_to_the_final_survivor()
    {
        await ImportAsync("msg_1", "cnv_1", "e1", "t1");
        await _map.RecordMergeAsync(_channel, "cnv_1", "cnv_2", confirmedByFront: true);
        await _map.RecordMergeAsync(_channel, "cnv_2", "cnv_3", confirmedByFront: true);

        var message = await _map.FindMessageByExternalIdAsync(_channel, "e1");
        Assert.Equal("cnv_3", message!.ConversationId);
        Assert.Equal(["t1"], message.ExternalConversationIds);
        Assert.Equal("cnv_3", (await _map.FindConversationByExternalIdAsync(_channel, "t1"))!.ConversationId);

        // A late notification for the first conversation lands on the survivor.
        await ImportAsync("msg_late", "cnv_1", "e-late", "t-late");
        Assert.Equal("cnv_3", (await _map.FindMessageByFrontIdAsync(_channel, "msg_late"))!.ConversationId);
        Assert.Contains("t-late", (await _map.FindConversationByFrontIdAsync(_channel, "cnv_3"))!.ExternalConversationIds);
    }

    [Fact]
    public async Task Concurrent_writers_to_one_conversation_converge_on_the_union()
    {
        var ids = Enumerable.Range(0, 12).Select(i => "t" + i).ToArray();

        await Task.WhenAll(ids.Select(id => _map.RecordConversationAsync(_channel, "cnv_race", ["t-common", id])));

        var conversation = await _map.FindConversationByFrontIdAsync(_channel, "cnv_race");
        Assert.Equal(ids.Append("t-common").Order(StringComparer.Ordinal), conversation!.ExternalConversationIds.Order(StringComparer.Ordinal));
        foreach (var id in ids)
        {
            Assert.Equal("cnv_race", (await _map.FindConversationByExternalIdAsync(_channel, id))!.ConversationId);
        }
    }

    [Fact]
    public async Task Concurrent_duplicates_of_one_message_write_one_consistent_set_of_rows()
    {
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => ImportAsync("msg_1", "cnv_1", i % 2 == 0 ? "e1" : null, "t1")));

        var message = await _map.FindMessageByFrontIdAsync(_channel, "msg_1");
        Assert.Equal("e1", message!.ExternalId);
        Assert.Equal("msg_1", (await _map.FindMessageByExternalIdAsync(_channel, "e1"))!.MessageId);
        Assert.Equal(7, (await SnapshotAsync()).Count); // xm, fm, xc, fc, and an ml| link for each of xm, fm, xc
    }

    [Fact]
    public async Task Concurrent_merge_and_late_notification_converge_on_the_survivor()
    {
        await ImportAsync("msg_old", "cnv_old", "e-old", "t-old");

        await Task.WhenAll(
            _map.RecordMergeAsync(_channel, "cnv_old", "cnv_new", confirmedByFront: true),
            ImportAsync("msg_late", "cnv_old", "e-late", "t-old", "t-late"),
            ImportAsync("msg_new", "cnv_new", "e-new", "t-new", "t-old"));
        // Whatever the interleaving, a second pass of the same work must settle everything on the survivor.
        await ImportAsync("msg_late", "cnv_old", "e-late", "t-old", "t-late");

        foreach (var external in new[] { "e-old", "e-late", "e-new" })
        {
            Assert.Equal("cnv_new", (await _map.FindMessageByExternalIdAsync(_channel, external))!.ConversationId);
        }

        foreach (var thread in new[] { "t-old", "t-late", "t-new" })
        {
            Assert.Equal("cnv_new", (await _map.FindConversationByExternalIdAsync(_channel, thread))!.ConversationId);
        }
    }

    [Fact]
    public async Task A_merge_interrupted_after_marking_the_conversation_is_completed_by_the_next_write_through_it()
    {
        // Issue 8.2: a crash right after fc|cnv_a was marked merged into cnv_b, before cnv_a's ids and rows moved. The
        // notification is delivered again; cnv_b's list is fresh, so nothing asks Front again: the map itself must finish.
        await ImportAsync("msg_a", "cnv_a", "e-a", "t-a");
        await ImportAsync("msg_b", "cnv_b", "e-b", "t-b");
        var crashing = StoreWith(new CrashPolicy(afterWriteTo: "fc|cnv_a"));
        await Assert.ThrowsAnyAsync<Exception>(() => crashing.RecordMergeAsync(_channel, "cnv_a", "cnv_b", confirmedByFront: true));
        Assert.Equal("cnv_b", (await _map.GetConversationRowAsync(_channel, "cnv_a"))!.MergedInto); // the crash came after the mark

        await ImportAsync("msg_a2", "cnv_a", "e-a2"); // the redelivered notification: no ids, resolves to cnv_b

        Assert.Equal(["t-a", "t-b"], (await _map.FindConversationByFrontIdAsync(_channel, "cnv_b"))!.ExternalConversationIds.Order(StringComparer.Ordinal));
        Assert.Equal("cnv_b", (await _map.GetMessageRowAsync(_channel, "msg_a"))!.ConversationId);
        Assert.Equal("cnv_b", (await _map.GetMessageRowAsync(_channel, "msg_a2"))!.ConversationId);
        Assert.Equal(["t-a", "t-b"], (await _map.FindMessageByExternalIdAsync(_channel, "e-a"))!.ExternalConversationIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_merge_interrupted_after_the_survivor_gained_the_ids_is_completed_by_the_next_write_to_the_survivor()
    {
        // A crash right after cnv_b's list gained t-a, before cnv_a's rows were repointed. The next notification names only
        // cnv_b and lists every id it has: the one read of cnv_b's row must still show that a move into it is unfinished.
        await ImportAsync("msg_a", "cnv_a", "e-a", "t-a");
        await ImportAsync("msg_b", "cnv_b", "e-b", "t-b");
        var crashing = StoreWith(new CrashPolicy(afterWriteTo: "fc|cnv_b"));
        await Assert.ThrowsAnyAsync<Exception>(() => crashing.RecordMergeAsync(_channel, "cnv_a", "cnv_b", confirmedByFront: true));
        Assert.Contains("t-a", (await _map.GetConversationRowAsync(_channel, "cnv_b"))!.ExternalConversationIds);

        await ImportAsync("msg_b2", "cnv_b", "e-b2", "t-a", "t-b");

        Assert.Equal("cnv_b", (await _map.GetMessageRowAsync(_channel, "msg_a"))!.ConversationId);
        Assert.Equal("cnv_b", (await TestStorage.Tables().GetTableClient(StorageNames.IdMapTable).GetEntityAsync<TableEntity>(_channel, IdMapKeys.ExternalMessage("e-a"))).Value.GetString("ConversationId"));
        Assert.Empty((await _map.GetConversationRowAsync(_channel, "cnv_b"))!.MovesIn ?? []);
    }

    [Fact]
    public async Task Ids_added_to_a_conversation_while_it_is_merged_away_reach_the_survivor()
    {
        // Issue 8.2: a worker resolves cnv_a as its own survivor; before it claims t-late (its storage is slowed down
        // here), another worker marks cnv_a → cnv_b and moves cnv_a's list and rows. The late write must reach cnv_b.
        await ImportAsync("msg_a", "cnv_a", "e-a", "t-a");
        var slow = StoreWith(new DelayPolicy(uri => uri.Contains("t-late", StringComparison.Ordinal), TimeSpan.FromSeconds(1)));

        var late = slow.RecordConversationAsync(_channel, "cnv_a", ["t-late"]);
        await _map.RecordMergeAsync(_channel, "cnv_a", "cnv_b", confirmedByFront: true);
        await late;

        Assert.Equal(["t-a", "t-late"], (await _map.FindConversationByFrontIdAsync(_channel, "cnv_b"))!.ExternalConversationIds.Order(StringComparer.Ordinal));
        Assert.Equal("cnv_b", (await _map.FindConversationByExternalIdAsync(_channel, "t-late"))!.ConversationId);
    }

    [Fact]
    public async Task A_message_of_a_conversation_seen_settled_is_written_first_and_confirmed_by_one_read()
    {
        // Issue 12 (enrichment throughput): once this instance saw cnv_s settled with t-s, the next message needs no read
        // before its rows: the fm| and xm| inserts (one entity group transaction with their links), then one read of fc|cnv_s
        // (2 requests, 2 round trips; the full path reads fc| before the inserts as well).
        var requests = new RequestLog();
        var store = StoreWith(requests);
        var first = await store.RecordConversationAsync(_channel, "cnv_s", ["t-s"]);
        await store.RecordMessageAsync(_channel, "msg_1", first.ConversationId, "e-1", "uid-1");
        requests.Clear();

        var mapped = await store.TryRecordMessageInSettledConversationAsync(_channel, "msg_2", "cnv_s", ["t-s"], "e-2", "uid-2");

        Assert.NotNull(mapped);
        Assert.Equal("cnv_s", mapped!.ConversationId);
        Assert.Equal(["t-s"], mapped.ExternalConversationIds);
        Assert.Equal(["POST", "GET fc|"], requests.Entries);
        Assert.Equal("cnv_s", (await _map.FindMessageByExternalIdAsync(_channel, "e-2"))!.ConversationId);
    }

    [Fact]
    public async Task A_stale_settled_hint_after_a_merge_falls_back_and_the_message_lands_on_the_survivor()
    {
        // Worker A saw cnv_a settled; another worker then records cnv_a → cnv_b. A's next message in cnv_a must not stay
        // behind: the read after the rows shows the merge, the fast path answers null, and the full path moves the rows.
        var worker = StoreWith(new RequestLog());
        var update = await worker.RecordConversationAsync(_channel, "cnv_a", ["t-a"]);
        await worker.RecordMessageAsync(_channel, "msg_1", update.ConversationId, "e-1", "uid-1");
        await _map.RecordConversationAsync(_channel, "cnv_b", ["t-b"]);
        await _map.RecordMergeAsync(_channel, "cnv_a", "cnv_b", confirmedByFront: true);

        Assert.Null(await worker.TryRecordMessageInSettledConversationAsync(_channel, "msg_2", "cnv_a", ["t-a"], "e-2", "uid-2"));
        var full = await worker.RecordConversationAsync(_channel, "cnv_a", ["t-a"]);
        await worker.RecordMessageAsync(_channel, "msg_2", full.ConversationId, "e-2", "uid-2");

        var found = await _map.FindMessageByExternalIdAsync(_channel, "e-2");
        Assert.Equal("cnv_b", found!.ConversationId);
        Assert.Equal(["t-a", "t-b"], found.ExternalConversationIds.Order(StringComparer.Ordinal));
        Assert.Equal("cnv_b", (await _map.GetMessageRowAsync(_channel, "msg_2"))!.ConversationId);
        Assert.Null(await worker.TryRecordMessageInSettledConversationAsync(_channel, "msg_3", "cnv_a", ["t-a"], "e-3", "uid-3")); // hint dropped
    }

    [Fact]
    public async Task A_repeated_lookup_reads_the_message_and_conversation_rows_at_once_and_stays_right_through_merges()
    {
        // Issue 12 (lookup p99): a row this instance answered before is looked up in one round trip (its conversation row
        // read beside it, used only while the message row is the same version). The answers must follow every change.
        await ImportAsync("msg_1", "cnv_a", "e-1", "t-a");
        var requests = new RequestLog();
        var lookup = StoreWith(requests);
        Assert.Equal("cnv_a", (await lookup.FindMessageByExternalIdAsync(_channel, "e-1"))!.ConversationId); // learns the row

        requests.Clear();
        requests.HoldBack = "GET xm|";
        var again = await lookup.FindMessageByExternalIdAsync(_channel, "e-1");
        Assert.Equal(["t-a"], again!.ExternalConversationIds);
        Assert.Equal(["GET fc|", "GET xm|"], requests.Completed); // the fc| read did not wait for the xm| answer
        requests.HoldBack = null;

        // The conversation gains an id (its row changes, the message row does not): the fresh fc| read shows it.
        await _map.RecordConversationAsync(_channel, "cnv_a", ["t-a", "t-a2"]);
        Assert.Equal(["t-a", "t-a2"], (await lookup.FindMessageByExternalIdAsync(_channel, "e-1"))!.ExternalConversationIds);

        // A merge repoints the message row (new ETag): the answer is the survivor with every id, not the old hint.
        await _map.RecordConversationAsync(_channel, "cnv_b", ["t-b"]);
        await _map.RecordMergeAsync(_channel, "cnv_a", "cnv_b", confirmedByFront: true);
        var merged = await lookup.FindMessageByExternalIdAsync(_channel, "e-1");
        Assert.Equal("cnv_b", merged!.ConversationId);
        Assert.Equal(["t-a", "t-a2", "t-b"], merged.ExternalConversationIds.Order(StringComparer.Ordinal));
        Assert.Equal("cnv_b", (await lookup.FindMessageByExternalIdAsync(_channel, "e-1"))!.ConversationId);
        Assert.Equal("cnv_b", (await lookup.FindMessageByFrontIdAsync(_channel, "msg_1"))!.ConversationId);
    }

    /// <summary>Each request as "METHOD" (+ " fc|" etc. for a table row read), in order.</summary>
    private sealed class RequestLog : Azure.Core.Pipeline.HttpPipelinePolicy
    {
        private readonly List<string> _entries = [];
        private readonly List<string> _completed = [];

        /// <summary>Requests described so ("GET xm|") are held back 300 ms before they are sent.</summary>
        public string? HoldBack { get; set; }

        public IReadOnlyList<string> Completed
        {
            get
            {
                lock (_entries)
                {
                    return [.. _completed];
                }
            }
        }

        public IReadOnlyList<string> Entries
        {
            get
            {
                lock (_entries)
                {
                    return [.. _entries];
                }
            }
        }

        public void Clear()
        {
            lock (_entries)
            {
                _entries.Clear();
                _completed.Clear();
            }
        }

        public override async ValueTask ProcessAsync(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            var uri = Uri.UnescapeDataString(message.Request.Uri.Path);
            var row = uri.IndexOf("RowKey='", StringComparison.Ordinal) is var i and >= 0 ? " " + uri.Substring(i + 8, 3) : "";
            var entry = message.Request.Method.Method + row;
            lock (_entries)
            {
                _entries.Add(entry);
            }

            if (entry == HoldBack)
            {
                await Task.Delay(300);
            }

            await ProcessNextAsync(message, pipeline);
            lock (_entries)
            {
                _completed.Add(entry);
            }
        }

        public override void Process(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException();
    }

    /// <summary>A store on the same table whose requests pass through <paramref name="policy"/> (a slow or crashing worker).</summary>
    private IdMapStore StoreWith(Azure.Core.Pipeline.HttpPipelinePolicy policy)
    {
        var options = AzureTableLimits.Options();
        options.AddPolicy(policy, Azure.Core.HttpPipelinePosition.PerCall);
        var tables = new TableServiceClient(TestStorage.ConnectionString, options);
        return new IdMapStore(tables, _time);
    }

    /// <summary>The process "dies" right after its first successful write to a row: every later request fails.</summary>
    private sealed class CrashPolicy(string afterWriteTo) : Azure.Core.Pipeline.HttpPipelinePolicy
    {
        private volatile bool _crashed;

        public override async ValueTask ProcessAsync(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            if (_crashed)
            {
                throw new InvalidOperationException("crashed");
            }

            await ProcessNextAsync(message, pipeline);
            var uri = Uri.UnescapeDataString(message.Request.Uri.ToString());
            if (message.Request.Method != Azure.Core.RequestMethod.Get && message.Response.Status < 300 && uri.Contains($"'{afterWriteTo}'", StringComparison.Ordinal))
            {
                _crashed = true;
            }
        }

        public override void Process(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException();
    }

    /// <summary>Holds back the requests whose URI matches, as a slow worker would be.</summary>
    private sealed class DelayPolicy(Func<string, bool> matches, TimeSpan delay) : Azure.Core.Pipeline.HttpPipelinePolicy
    {
        public override async ValueTask ProcessAsync(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            if (matches(Uri.UnescapeDataString(message.Request.Uri.ToString())))
            {
                await Task.Delay(delay);
            }

            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException();
    }

    [Fact]
    public async Task An_external_message_id_stays_with_the_first_Front_message()
    {
        await ImportAsync("msg_first", "cnv_1", "e-dup", "t1");
        await ImportAsync("msg_second", "cnv_1", "e-dup", "t1");

        Assert.Equal("msg_first", (await _map.FindMessageByExternalIdAsync(_channel, "e-dup"))!.MessageId);
        Assert.Equal("e-dup", (await _map.FindMessageByFrontIdAsync(_channel, "msg_second"))!.ExternalId);
    }

    [Fact]
    public async Task A_channel_id_that_is_not_key_safe_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _map.FindMessageByFrontIdAsync("cha_a/b", "msg_1"));
    }
}
