using System.Collections.Concurrent;
using System.Net;
using System.Text;
using CsCheck;
using FrontFunctions.Channels;
using FrontFunctions.Enrichment;
using FrontFunctions.IdMap;
using FrontFunctions.Outbound;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.Tests.Integration.Outbound;
using Xunit.Abstractions;

namespace FrontFunctions.Tests.Integration.IdMap;

/// <summary>
/// Teammates' replies (<c>message</c> answered from the map, each instance with its answer memory) interleaved with merges
/// that other instances learn from Front, over Azurite. Each case: 2–4 conversations, some already mapped with a partner id,
/// some not (the first reply mints <c>front:cnv_…</c>); a history of replies (each names the conversation Front holds it in
/// at that moment) and merges; the replies and, for each merge, a settle of the merged-away conversation by some worker are
/// shuffled and run by 2–4 workers, each its own service container. The invariants:
/// <list type="bullet">
/// <item>every answer's <c>external_conversation_id</c> is an id of the reply's conversation through merges (a partner id of
/// one of the conversations merged into its final survivor, or the id minted for one of them) — never another thread's;</item>
/// <item>after quiescence and one settle of each conversation the map holds as a survivor, every reply resolves, by Front id
/// and by its external id, to the conversation Front holds it in, and every id answered is found, by the external
/// conversation id lookup, as that conversation (issue 19, point 8).</item>
/// </list>
/// CsCheck generates, shrinks and prints a failing case with its seed.
/// </summary>
public sealed class ReplyMergeInterleavingPropertyTests(ITestOutputHelper output) : IAsyncDisposable
{
    private const int Cases = 120;
    private readonly InterleavingWorkers _workers = new();

    private volatile World? _world;

    public ValueTask DisposeAsync() => _workers.DisposeAsync();

    [Fact]
    public async Task Replies_racing_merges_on_several_instances_are_answered_with_their_own_thread_and_end_in_the_survivor()
    {
        _workers.AnswerFrontWith(path => _world!.Answer(path));
        await InterleavingWorkers.CheckAsync(CaseGen, Cases, RunAsync, output);
    }

    public sealed record Step(bool Merge, int From, int Into);

    public sealed record Case(bool[] Mapped, Step[] Steps, int Workers, int[] Order)
    {
        public override string ToString()
        {
            var text = new StringBuilder();
            text.Append("conversations: ").AppendJoin(", ", Mapped.Select((m, i) => $"cnv_c{i}{(m ? " (mapped)" : "")}"));
            text.Append("; workers: ").Append(Workers).Append("; history: ");
            var replies = 0;
            text.AppendJoin(", ", Steps.Select(s => s.Merge ? $"merge c{s.From} into c{s.Into}" : $"reply r{replies++} in c{s.From}"));
            text.Append("; run order: ").AppendJoin(", ", Order);
            return text.ToString();
        }
    }

    private static readonly Gen<Step> StepGen =
        Gen.Select(Gen.Int[0, 9], Gen.Int[0, 3], Gen.Int[0, 3], (kind, source, target) => new Step(kind < 3, source, target));

    private static readonly Gen<Case> CaseGen =
        from conversations in Gen.Int[2, 4]
        from mapped in Gen.Bool.Array[conversations]
        from steps in StepGen.Array[2, 9]
        let fixedSteps = steps.Select(s => s with { From = s.From % conversations, Into = s.Into % conversations }).ToArray()
        from workers in Gen.Int[2, 4]
        from order in Gen.Int.Array[fixedSteps.Length]
        select new Case(mapped, fixedSteps, workers, order);

    private sealed record Reply(string MessageId, string ConversationId);

    private async Task RunAsync(Case c)
    {
        var channel = TestStorage.NewChannelId();
        var world = new World(c.Mapped.Length);
        _world = world;
        await _workers[0].Get<ChannelRegistry>().AuthorizeAsync(channel, CancellationToken.None);
        for (var i = 0; i < c.Mapped.Length; i++)
        {
            if (c.Mapped[i])
            {
                await _workers[0].Get<IdMapStore>().RecordConversationAsync(channel, $"cnv_c{i}", [.. world.OwnIds($"cnv_c{i}")]);
            }
        }

        // The history, in Front's order: a reply names the conversation Front holds it in then; a merge changes Front at once
        // and is learnt by the map only when its settle (one per merge, in the shuffled run) asks Front.
        var work = new List<Func<FrontTestHost, Task>>();
        var replies = new ConcurrentBag<(Reply Reply, string Answered)>();
        var number = 0;
        foreach (var step in c.Steps)
        {
            if (step.Merge)
            {
                var from = world.Survivor($"cnv_c{step.From}");
                var into = world.Survivor($"cnv_c{step.Into}");
                if (from != into)
                {
                    world.Merge(from, into);
                    work.Add(host => host.Get<NotificationEnricher>().SettleAsync(channel, from, CancellationToken.None));
                }
            }
            else
            {
                var reply = new Reply($"msg_r{number++}", world.Survivor($"cnv_c{step.From}"));
                work.Add(async host =>
                {
                    var answer = await host.Get<OutboundAnswerer>().AnswerAsync(
                        channel, TeammateReply.Envelope(reply.MessageId, reply.ConversationId), CancellationToken.None);
                    Assert.Equal(200, answer.StatusCode);
                    replies.Add((reply, Assert.IsType<OutboundAnswer>(answer.Body).ExternalConversationId));
                });
            }
        }

        var queue = new ConcurrentQueue<(int Slot, Func<FrontTestHost, Task> Work)>(
            work.Select((w, i) => (Slot: i, Work: w)).OrderBy(x => c.Order[x.Slot]));
        await Task.WhenAll(Enumerable.Range(0, c.Workers).Select(w => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var item))
            {
                await item.Work(_workers[w]); // whichever instance takes it, as queue listeners would
            }
        })));

        var problems = new List<string>();
        foreach (var (reply, answered) in replies)
        {
            var survivor = world.Survivor(reply.ConversationId);
            if (!world.IdsThrough(survivor).Contains(answered))
            {
                problems.Add($"{reply.MessageId} in {reply.ConversationId} answered {answered}, not an id of {survivor} through merges [{string.Join(", ", world.IdsThrough(survivor))}]");
            }
        }

        // Quiescence: every merge has been settled by some worker, so every reply already resolves to Front's survivor; and
        // still after the settling the rules allow (each conversation the map holds as a survivor is asked about once).
        var map = _workers[0].Get<IdMapStore>();
        await ExpectRepliesResolveAsync("at quiescence");
        var survivors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var conversation in world.ConversationIds)
        {
            if (await map.FindConversationByFrontIdAsync(channel, conversation) is { } known)
            {
                survivors.Add(known.ConversationId);
            }
        }

        foreach (var survivor in survivors.Order(StringComparer.Ordinal))
        {
            await _workers[0].Get<NotificationEnricher>().SettleAsync(channel, survivor, CancellationToken.None);
        }

        await ExpectRepliesResolveAsync("after settling");

        async Task ExpectRepliesResolveAsync(string when)
        {
            foreach (var (reply, _) in replies)
            {
                var survivor = world.Survivor(reply.ConversationId);
                var byFront = await map.FindMessageByFrontIdAsync(channel, reply.MessageId);
                var byExternal = await map.FindMessageByExternalIdAsync(channel, "front:" + reply.MessageId);
                if (byFront?.ConversationId != survivor || byExternal?.ConversationId != survivor || byExternal.MessageId != reply.MessageId)
                {
                    problems.Add($"{when}: {reply.MessageId} (sent in {reply.ConversationId}) resolves to {byFront?.ConversationId ?? "nothing"} by " +
                        $"Front id and {byExternal?.ConversationId ?? "nothing"} by external id; Front holds it in {survivor}");
                }
            }

            // Issue 19, point 8: every id Front was given is findable by the external conversation id lookup.
            foreach (var (reply, answered) in replies)
            {
                var survivor = world.Survivor(reply.ConversationId);
                var byThread = await map.FindConversationByExternalIdAsync(channel, answered);
                if (byThread?.ConversationId != survivor)
                {
                    problems.Add($"{when}: {answered}, answered for {reply.MessageId}, is found as {byThread?.ConversationId ?? "nothing"} by " +
                        $"external conversation id; Front holds the reply in {survivor}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }

    /// <summary>Front: conversations with one partner id each, and the merges so far.</summary>
    private sealed class World
    {
        private readonly Dictionary<string, string> _mergedInto = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _ids = new(StringComparer.Ordinal);
        private readonly object _gate = new();

        public World(int conversations)
        {
            for (var i = 0; i < conversations; i++)
            {
                _ids[$"cnv_c{i}"] = [$"thread-{i}"];
            }
        }

        public IReadOnlyList<string> ConversationIds => [.. _ids.Keys];

        public IReadOnlyList<string> OwnIds(string conversation) => [$"thread-{conversation["cnv_c".Length..]}"];

        public void Merge(string from, string into)
        {
            lock (_gate)
            {
                _mergedInto[from] = into;
                _ids[into].AddRange(_ids[from].Where(id => !_ids[into].Contains(id)));
            }
        }

        public string Survivor(string conversation)
        {
            lock (_gate)
            {
                while (_mergedInto.TryGetValue(conversation, out var next))
                {
                    conversation = next;
                }

                return conversation;
            }
        }

        /// <summary>Every id that threads a reply in <paramref name="survivor"/>: its conversations' partner ids and minted ids.</summary>
        public IReadOnlySet<string> IdsThrough(string survivor) =>
            ConversationIds.Where(c => Survivor(c) == survivor)
                .SelectMany(c => OwnIds(c).Append("front:" + c)) // the id minted for c (README: front:{conversation id})
                .ToHashSet(StringComparer.Ordinal);

        public HttpResponseMessage Answer(string path)
        {
            if (!path.StartsWith("/conversations/", StringComparison.Ordinal))
            {
                return new HttpResponseMessage(HttpStatusCode.NotFound); // replies are answered without Front
            }

            var conversation = path["/conversations/".Length..];
            if (!_ids.ContainsKey(conversation))
            {
                return new HttpResponseMessage(HttpStatusCode.NotFound);
            }

            var survivor = Survivor(conversation);
            lock (_gate)
            {
                return survivor != conversation
                    ? StubFrontHandler.Redirect(survivor)
                    : StubFrontHandler.Conversation(conversation, [.. _ids[conversation]]);
            }
        }
    }
}
