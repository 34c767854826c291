using System.Diagnostics;
using Azure.Data.Tables;
using FrontFunctions.IdMap;
using FrontFunctions.Storage;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 22 point 3, the merge move: completing a merge must cost the same whatever the size of the channel, because it
/// finds the merged-away conversation's rows by key (its <c>ml|</c> links), not by filtering the channel's partition. Two
/// channels are seeded directly through the table client (entity group transactions of 100, several at once): one with
/// <c>small</c> and one with <c>large</c> mapped messages (10 per conversation: <c>fm|</c>, <c>xm|</c> and their links,
/// and each conversation's <c>fc|</c>, <c>xc|</c> and link). In each, <c>merges</c> times, a fresh conversation of 10
/// messages recorded through <see cref="IdMapStore"/> is merged into another (Front's 301) and the call is timed, its
/// storage requests recorded, and the same requests replayed one after the other on rows of the same channel (the floor:
/// what Azurite charges for them at that table size — it filters the whole table for any query and its point requests slow
/// as a table grows; Azure's do not). Goal: the merge's median in units of its floor, large channel vs small, ≤ 1.5; the
/// request count per merge (the same in both: rows found by key) and the whole times are printed beside. For reference, the
/// same merge of a conversation written before the links existed (its <c>fc|</c> row without <c>LinkedRows</c>, moved by
/// the old partition filter) is
/// timed a few times in each channel: the cost the links remove.
/// </summary>
public static class MergeBenchmark
{
    private const int MessagesPerConversation = 10;
    private const int BatchSize = 100;

    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int small, int large, int merges)
    {
        var tables = new TableServiceClient(storage);
        var table = tables.GetTableClient(StorageNames.IdMapTable);
        await table.CreateIfNotExistsAsync();
        await new StorageInitializer(new Azure.Storage.Queues.QueueServiceClient(storage), tables, new Azure.Storage.Blobs.BlobServiceClient(storage)).EnsureCreatedAsync(CancellationToken.None);
        var recorder = new RequestKinds();
        var mapOptions = new TableClientOptions();
        mapOptions.AddPolicy(recorder, Azure.Core.HttpPipelinePosition.PerRetry);
        var map = new IdMapStore(new TableServiceClient(storage, mapOptions), TimeProvider.System);
        var replays = new Dictionary<int, (double Median, double Requests)>();

        var figures = new Dictionary<int, (double Median, double P90, double LegacyMedian)>();
        var floors = new Dictionary<int, double>();
        foreach (var size in new[] { small, large })
        {
            var channel = "cha_merge" + size;
            var seeding = Stopwatch.StartNew();
            var rows = await SeedAsync(table, channel, size);
            Console.WriteLine($"channel of {size:N0} mapped messages: {rows:N0} rows seeded in {seeding.Elapsed.TotalSeconds:F1} s");
            await MergeOnceAsync(map, table, channel, "warm", legacy: false); // JIT, connections

            var times = new List<double>();
            var replayed = new List<double>();
            var requests = new List<int>();
            for (var i = 0; i < merges; i++)
            {
                times.Add(await MergeOnceAsync(map, table, channel, $"r{i}", legacy: false, recorder));
                var kinds = recorder.Take();
                requests.Add(kinds.Count);
                replayed.Add(await ReplayAsync(table, channel, kinds, i));
            }

            replays[size] = (Percentile([.. replayed.Order()], 0.5), requests.Average());
            Console.WriteLine($"channel of {size:N0}: storage requests per merge {requests.Average():F1} (min {requests.Min()}, max {requests.Max()}: " +
                $"{string.Join(", ", recorder.Last.GroupBy(k => k).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"))}); " +
                $"the same requests replayed one after the other p50 {replays[size].Median:F1} ms");

            var legacy = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                legacy.Add(await MergeOnceAsync(map, table, channel, $"l{i}", legacy: true));
            }

            // The floor under the move's one range query: the same query alone (a seeded conversation's 21 links), and one point read.
            var (from, to) = IdMapKeys.Range(IdMapKeys.LinkPrefix, "cnv_seed0");
            var query = new List<double>();
            var point = new List<double>();
            for (var i = 0; i < 10; i++)
            {
                var clock = Stopwatch.StartNew();
                await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {channel} and RowKey ge {from} and RowKey lt {to}"), select: ["Target"]))
                {
                }

                query.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                await table.GetEntityIfExistsAsync<TableEntity>(channel, IdMapKeys.FrontConversation("cnv_seed0"));
                point.Add(clock.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine($"channel of {size:N0}: the links' range query alone p50 {Percentile([.. query.Order()], 0.5):F1} ms, one point read p50 {Percentile([.. point.Order()], 0.5):F1} ms");
            floors[size] = Percentile([.. query.Order()], 0.5);
            var sorted = times.Order().ToArray();
            figures[size] = (Percentile(sorted, 0.5), Percentile(sorted, 0.9), Percentile([.. legacy.Order()], 0.5));
            Console.WriteLine($"channel of {size:N0}: merge of a 10-message conversation p50 {figures[size].Median:F1} ms, p90 {figures[size].P90:F1} ms " +
                $"(min {sorted[0]:F1}, max {sorted[^1]:F1}, {merges} merges); before the links (partition filter) p50 {figures[size].LegacyMedian:F1} ms");
        }

        // The floor (issue 22, point 7): Azurite's cost per request grows with the table (it answers the links' range query by
        // filtering every row of the table, and a point read or write of a 430,000-row table costs more than of a 4,300-row
        // one), while on Azure a key lookup or a key range reads only its rows. So the merge is timed against its own requests
        // replayed in the same channel, one after the other, without its decisions: the goal is the merge's time in units of
        // that floor, large channel vs small. The request count per merge (the same in both channels: found by key, not by
        // scan) and the whole times are in the detail.
        var goals = new Goals();
        double Units(int size) => figures[size].Median / Math.Max(0.1, replays[size].Median);
        goals.Ratio($"merge cost in units of its own requests replayed, channel of {large:N0} vs {small:N0} mapped messages (p50)", Units(large), Units(small), "× floor",
            $"same, channel of {small:N0}", atLeast: false, 1.5,
            detail: $"storage requests per merge {Goal.F(replays[large].Requests, "F1")} vs {Goal.F(replays[small].Requests, "F1")}; " +
                $"the requests replayed p50 {Goal.F(replays[large].Median, "F1")} vs {Goal.F(replays[small].Median, "F1")} ms; " +
                $"whole merge p50 {Goal.F(figures[large].Median, "F1")} vs {Goal.F(figures[small].Median, "F1")} ms ({Goal.F(figures[large].Median / figures[small].Median)}×), " +
                $"p90 {Goal.F(figures[large].P90, "F1")} vs {Goal.F(figures[small].P90, "F1")} ms; the links' range query alone: " +
                $"{Goal.F(floors[large], "F0")} vs {Goal.F(floors[small], "F0")} ms (Azurite filters every row of a table for any query); the old partition filter: " +
                $"{Goal.F(figures[large].LegacyMedian, "F0")} vs {Goal.F(figures[small].LegacyMedian, "F0")} ms");
        return goals.Results;
    }

    /// <summary>A conversation of 10 messages merged into a fresh one; the <c>RecordMergeAsync</c> call timed, in ms.</summary>
    private static async Task<double> MergeOnceAsync(IdMapStore map, TableClient table, string channel, string tag, bool legacy, RequestKinds? recorder = null)
    {
        var merged = $"cnv_m{tag}";
        var survivor = $"cnv_s{tag}";
        if (legacy)
        {
            // As the previous version wrote it: no links, no LinkedRows.
            var actions = new List<TableTransactionAction> { Add(channel, IdMapKeys.FrontConversation(merged), ("ConversationId", merged), ("ExternalConversationIds", $"[\"t-{merged}\"]")) };
            actions.Add(Add(channel, IdMapKeys.ExternalConversation("t-" + merged), ("ConversationId", merged), ("ExternalConversationId", "t-" + merged)));
            for (var m = 0; m < MessagesPerConversation; m++)
            {
                actions.Add(Add(channel, IdMapKeys.FrontMessage($"msg_{tag}_{m}"), ("ConversationId", merged), ("MessageId", $"msg_{tag}_{m}"), ("ExternalId", $"e-{tag}-{m}")));
                actions.Add(Add(channel, IdMapKeys.ExternalMessage($"e-{tag}-{m}"), ("ConversationId", merged), ("MessageId", $"msg_{tag}_{m}"), ("ExternalId", $"e-{tag}-{m}")));
            }

            await table.SubmitTransactionAsync(actions);
        }
        else
        {
            var update = await map.RecordConversationAsync(channel, merged, ["t-" + merged]);
            for (var m = 0; m < MessagesPerConversation; m++)
            {
                await map.RecordMessageAsync(channel, $"msg_{tag}_{m}", update.ConversationId, $"e-{tag}-{m}", null, conversationIsResolved: true);
            }
        }

        await map.RecordConversationAsync(channel, survivor, ["t-" + survivor]);
        recorder?.Start();
        var clock = Stopwatch.StartNew();
        await map.RecordMergeAsync(channel, merged, survivor, confirmedByFront: true);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        recorder?.Stop();
        if ((await map.GetMessageRowAsync(channel, $"msg_{tag}_0"))?.ConversationId != survivor)
        {
            throw new InvalidOperationException($"The merge of {merged} did not move its messages.");
        }

        return elapsed;
    }

    /// <summary>
    /// The merge's requests again, in its order, one after the other, on rows of the same channel: a point read of a seeded
    /// message row, a range query over a seeded conversation's links, a write (insert, replace, merge, delete, or a batch of
    /// two) of a scratch row. What the table charges for the merge's requests at this size, without the merge's decisions.
    /// </summary>
    private static async Task<double> ReplayAsync(TableClient table, string channel, IReadOnlyList<string> kinds, int round)
    {
        var clock = Stopwatch.StartNew();
        var scratch = $"zz|replay{round}|";
        var n = 0;
        foreach (var kind in kinds)
        {
            var seed = (round * 7 + n) % 50;
            var row = scratch + n++;
            switch (kind)
            {
                case "query":
                    var (from, to) = IdMapKeys.Range(IdMapKeys.LinkPrefix, $"cnv_seed{seed}");
                    await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {channel} and RowKey ge {from} and RowKey lt {to}"), select: ["Target"]))
                    {
                    }

                    break;
                case "read":
                    await table.GetEntityIfExistsAsync<TableEntity>(channel, IdMapKeys.FrontMessage($"msg_seed{seed}_0"));
                    break;
                case "batch":
                    await table.SubmitTransactionAsync([
                        new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(channel, row) { ["Target"] = row }),
                        new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(channel, row + "b") { ["Target"] = row })]);
                    break;
                case "insert":
                    await table.AddEntityAsync(new TableEntity(channel, row) { ["Target"] = row });
                    break;
                case "delete":
                    await table.DeleteEntityAsync(channel, scratch + "gone" + n);
                    break;
                case "merge":
                    await table.UpsertEntityAsync(new TableEntity(channel, row) { ["Target"] = row }, TableUpdateMode.Merge);
                    break;
                default: // "replace"
                    await table.UpsertEntityAsync(new TableEntity(channel, row) { ["Target"] = row }, TableUpdateMode.Replace);
                    break;
            }
        }

        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>Records the kind of each table request while started: read, query, insert, batch, replace, merge, delete.</summary>
    private sealed class RequestKinds : Azure.Core.Pipeline.HttpPipelinePolicy
    {
        private readonly List<string> _kinds = [];
        private volatile bool _on;

        public IReadOnlyList<string> Last { get; private set; } = [];

        public void Start()
        {
            lock (_kinds)
            {
                _kinds.Clear();
            }

            _on = true;
        }

        public void Stop() => _on = false;

        public IReadOnlyList<string> Take()
        {
            lock (_kinds)
            {
                Last = [.. _kinds];
                _kinds.Clear();
                return Last;
            }
        }

        public override void Process(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            Record(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            Record(message);
            return ProcessNextAsync(message, pipeline);
        }

        private void Record(Azure.Core.HttpMessage message)
        {
            if (!_on)
            {
                return;
            }

            var uri = message.Request.Uri.ToString();
            var method = message.Request.Method.ToString();
            var kind = method switch
            {
                "GET" => uri.Contains("$filter", StringComparison.Ordinal) || !uri.Contains("RowKey=", StringComparison.Ordinal) ? "query" : "read",
                "POST" => uri.Contains("$batch", StringComparison.Ordinal) ? "batch" : "insert",
                "DELETE" => "delete",
                "MERGE" or "PATCH" => "merge",
                _ => "replace",
            };
            lock (_kinds)
            {
                _kinds.Add(kind);
            }
        }
    }

    /// <summary>
    /// <paramref name="messages"/> mapped messages in conversations of 10, written as the id map writes them (links included);
    /// returns the rows written.
    /// </summary>
    private static async Task<int> SeedAsync(TableClient table, string channel, int messages)
    {
        var batches = SeedRows(channel, messages).Chunk(BatchSize).ToList();
        var next = -1;
        var workers = Enumerable.Range(0, 4).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < batches.Count; i = Interlocked.Increment(ref next))
            {
                await table.SubmitTransactionAsync(batches[i].Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, e)));
            }
        });
        await Task.WhenAll(workers);
        return batches.Sum(b => b.Length);
    }

    private static IEnumerable<TableEntity> SeedRows(string channel, int messages)
    {
        for (var c = 0; c * MessagesPerConversation < messages; c++)
        {
            var conversation = $"cnv_seed{c}";
            var thread = $"t-seed{c}";
            yield return Entity(channel, IdMapKeys.FrontConversation(conversation), ("ConversationId", conversation), ("ExternalConversationIds", $"[\"{thread}\"]"), ("LinkedRows", true));
            foreach (var (key, values) in new[]
            {
                (IdMapKeys.ExternalConversation(thread), new (string, object)[] { ("ConversationId", conversation), ("ExternalConversationId", thread) }),
            }.Concat(Enumerable.Range(0, Math.Min(MessagesPerConversation, messages - (c * MessagesPerConversation))).SelectMany(m =>
            {
                var message = $"msg_seed{c}_{m}";
                var external = $"e-seed{c}-{m}";
                (string, object)[] values = [("ConversationId", conversation), ("MessageId", message), ("ExternalId", external)];
                return new[] { (IdMapKeys.FrontMessage(message), values), (IdMapKeys.ExternalMessage(external), values) };
            })))
            {
                yield return Entity(channel, key, values);
                yield return Entity(channel, IdMapKeys.Link(conversation, key), ("Target", key));
            }
        }
    }

    private static TableTransactionAction Add(string channel, string rowKey, params (string Name, object Value)[] values) =>
        new(TableTransactionActionType.Add, Entity(channel, rowKey, values));

    private static TableEntity Entity(string channel, string rowKey, params (string Name, object Value)[] values)
    {
        var entity = new TableEntity(channel, rowKey);
        foreach (var (name, value) in values)
        {
            entity[name] = value;
        }

        return entity;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
