using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Azure.Data.Tables;
using CsCheck;
using FrontFunctions.Enrichment;
using FrontFunctions.Front;
using FrontFunctions.IdMap;
using FrontFunctions.Ingest;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace FrontFunctions.Tests.Integration.IdMap;

/// <summary>
/// Issue 8: the id map under random interleavings, over Azurite. Each case is a small Front history — 2–4 conversations with
/// 1–2 external ids each, imports and merges in random order — whose notifications (carrying the metadata of their moment,
/// so stale after a later merge; sometimes without metadata; some delivered twice; some "crashing" after a random number of
/// storage writes and then delivered again) are shuffled and processed by 2–4 concurrent workers, each with its own
/// service container (as separate instances would be). After quiescence, and after the settling the rules allow (each
/// conversation the map holds as a survivor is asked about once, as a stale conversation would be), the invariant must hold:
/// every message row's conversation is the survivor Front reports, and every conversation's external ids are exactly
/// Front's list, whichever way it is looked up. CsCheck generates the cases, shrinks a failing one and prints it with its
/// seed (the storage interleaving itself is the real one, so a seed replays the case, not every timing).
/// </summary>
public sealed class MapInterleavingPropertyTests(ITestOutputHelper output) : IAsyncDisposable
{
    private const int Cases = 200;
    private readonly InterleavingWorkers _workers = new();

    private volatile FrontWorld? _world;

    public ValueTask DisposeAsync() => _workers.DisposeAsync();

    [Fact]
    public async Task After_any_interleaving_of_merges_duplicates_stale_metadata_and_crashes_the_map_matches_Front()
    {
        _workers.AnswerFrontWith(path => _world!.Answer(path));
        await InterleavingWorkers.CheckAsync(CaseGen, Cases, RunAsync, output);
    }

    // ------------------------------------------------------------------ the cases

    public sealed record Step(bool Merge, int From, int Into, bool ConversationMetadata, bool MessageMetadata);

    public sealed record Delivery(int Notification, int CrashAfterWrites);

    public sealed record Case(int[] IdsPerConversation, Step[] Steps, int Workers, Delivery[] Deliveries)
    {
        public override string ToString()
        {
            var text = new StringBuilder();
            text.Append("conversations: ").AppendJoin(", ", IdsPerConversation.Select((n, i) => $"cnv_c{i} ({n} id{(n > 1 ? "s" : "")})"));
            text.Append("; workers: ").Append(Workers).Append("; history: ");
            var imports = 0;
            text.AppendJoin(", ", Steps.Select(s => s.Merge
                ? $"merge c{s.From} into c{s.Into}"
                : $"import m{imports++} into c{s.From}{(s.ConversationMetadata ? "" : " (no conversation metadata)")}{(s.MessageMetadata ? "" : " (no message metadata)")}"));
            text.Append("; deliveries: ").AppendJoin(", ", Deliveries.Select(d => d.CrashAfterWrites > 0 ? $"m{d.Notification} (crash after {d.CrashAfterWrites} writes)" : $"m{d.Notification}"));
            return text.ToString();
        }
    }

    private static readonly Gen<Step> StepGen =
        Gen.Select(Gen.Int[0, 9], Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[0, 3], Gen.Bool,
            (kind, from, into, meta, messageMeta) => new Step(kind < 3, from, into, meta > 0, messageMeta));

    private static readonly Gen<Case> CaseGen =
        from conversations in Gen.Int[2, 4]
        from ids in Gen.Int[1, 2].Array[conversations]
        from steps in StepGen.Array[1, 8]
        let fixedSteps = steps.Select(s => s with { From = s.From % conversations, Into = s.Into % conversations }).ToArray()
        let imports = fixedSteps.Count(s => !s.Merge)
        from workers in Gen.Int[2, 4]
        from copies in Gen.Int[1, 2].Array[imports]
        from order in Gen.Int.Array[imports * 2]
        from crashes in Gen.Int[0, 9].Array[imports * 2]
        from crashPoints in Gen.Int[1, 8].Array[imports * 2]
        select new Case(ids, fixedSteps, workers, [.. Enumerable.Range(0, imports)
            .SelectMany(m => Enumerable.Range(0, copies[m]).Select(copy => m * 2 + copy))
            .OrderBy(slot => order[slot])
            .Select(slot => new Delivery(slot / 2, crashes[slot] >= 7 ? crashPoints[slot] : 0))]);

    // ------------------------------------------------------------------ one case

    private async Task RunAsync(Case c)
    {
        var channel = TestStorage.NewChannelId();
        var world = FrontWorld.From(c);
        _world = world;
        var notifications = world.Notifications(channel);

        // The queue: each worker takes the next delivery; a crashed one goes back to the queue, as a visibility timeout would.
        var queue = new ConcurrentQueue<Delivery>(c.Deliveries);
        var pending = c.Deliveries.Length;
        await Task.WhenAll(Enumerable.Range(0, c.Workers).Select(w => Task.Run(async () =>
        {
            var host = _workers[w];
            while (Volatile.Read(ref pending) > 0)
            {
                if (!queue.TryDequeue(out var delivery))
                {
                    await Task.Yield();
                    continue;
                }

                var notification = notifications[delivery.Notification];
                if (delivery.CrashAfterWrites > 0)
                {
                    try
                    {
                        await EnricherWith(host, new CrashAfterWritesPolicy(delivery.CrashAfterWrites)).EnrichAsync(notification, CancellationToken.None);
                    }
                    catch (Exception e) when (e is CrashedException || e.InnerException is CrashedException)
                    {
                    }

                    queue.Enqueue(delivery with { CrashAfterWrites = 0 }); // delivered again (also when it did not crash: harmless)
                    continue;
                }

                await host.Get<NotificationEnricher>().EnrichAsync(notification, CancellationToken.None);
                Interlocked.Decrement(ref pending);
            }
        })));

        // Quiescence. The settling the rules allow: what a stale conversation gets — each conversation that the map holds as
        // a survivor is asked about once (a conversation the map already knows as merged away is not asked about again).
        var settler = _workers[0].Get<NotificationEnricher>();
        var map = _workers[0].Get<IdMapStore>();
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
            await settler.SettleAsync(channel, survivor, CancellationToken.None);
        }

        await AssertMatchesFrontAsync(map, channel, world, notifications);
    }

    private static async Task AssertMatchesFrontAsync(IdMapStore map, string channel, FrontWorld world, IReadOnlyList<IngestNotification> notifications)
    {
        var table = TestStorage.Tables().GetTableClient(StorageNames.IdMapTable);
        var problems = new List<string>();
        foreach (var n in notifications.DistinctBy(n => n.MessageId))
        {
            var survivor = world.Survivor(n.ConversationId);
            var expectedIds = world.ExternalIds(survivor);
            var row = await map.GetMessageRowAsync(channel, n.MessageId);
            if (row?.ConversationId != survivor)
            {
                problems.Add($"fm|{n.MessageId} holds {row?.ConversationId ?? "nothing"}, Front says {survivor}");
            }

            var external = world.ExternalMessageId(n.MessageId);
            var xm = await table.GetEntityIfExistsAsync<TableEntity>(channel, IdMapKeys.ExternalMessage(external));
            if (!xm.HasValue || xm.Value!.GetString("ConversationId") != survivor)
            {
                problems.Add($"xm|{external} holds {(xm.HasValue ? xm.Value!.GetString("ConversationId") : "nothing")}, Front says {survivor}");
            }

            var looked = await map.FindMessageByExternalIdAsync(channel, external);
            if (looked is null || looked.MessageId != n.MessageId || looked.ConversationId != survivor || !SameSet(looked.ExternalConversationIds, expectedIds))
            {
                problems.Add($"lookup of {external} answers {Describe(looked?.ConversationId, looked?.ExternalConversationIds)}, Front says {Describe(survivor, expectedIds)}");
            }
        }

        foreach (var conversation in world.ConversationIds)
        {
            var found = await map.FindConversationByFrontIdAsync(channel, conversation);
            if (found is null)
            {
                continue; // never mentioned by any notification
            }

            var survivor = world.Survivor(conversation);
            if (found.ConversationId != survivor || !SameSet(found.ExternalConversationIds, world.ExternalIds(survivor)))
            {
                problems.Add($"conversation {conversation} answers {Describe(found.ConversationId, found.ExternalConversationIds)}, Front says {Describe(survivor, world.ExternalIds(survivor))}");
            }

            foreach (var id in world.OwnExternalIds(conversation))
            {
                var byExternal = await map.FindConversationByExternalIdAsync(channel, id);
                if (byExternal is not null && (byExternal.ConversationId != survivor || !SameSet(byExternal.ExternalConversationIds, world.ExternalIds(survivor))))
                {
                    problems.Add($"external conversation {id} answers {Describe(byExternal.ConversationId, byExternal.ExternalConversationIds)}, Front says {Describe(survivor, world.ExternalIds(survivor))}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }

    private static bool SameSet(IEnumerable<string> a, IEnumerable<string> b) => a.ToHashSet(StringComparer.Ordinal).SetEquals(b);

    private static string Describe(string? conversation, IEnumerable<string>? ids) =>
        $"{conversation ?? "nothing"} [{string.Join(", ", (ids ?? []).Order(StringComparer.Ordinal))}]";

    private static NotificationEnricher EnricherWith(FrontTestHost host, Azure.Core.Pipeline.HttpPipelinePolicy policy)
    {
        var options = AzureTableLimits.Options();
        options.AddPolicy(policy, Azure.Core.HttpPipelinePosition.PerCall);
        var map = new IdMapStore(new TableServiceClient(TestStorage.ConnectionString, options), TimeProvider.System);
        return new NotificationEnricher(
            map,
            host.Get<FrontApiClient>(),
            host.Get<FrontConversationCache>(),
            host.Get<FrontFunctions.Channels.ChannelRegistry>(),
            host.Get<FrontFunctions.Imports.ImportStore>(),
            host.Get<IOptions<EnrichmentOptions>>(),
            TimeProvider.System,
            host.Get<ILogger<NotificationEnricher>>());
    }

    private sealed class CrashedException() : Exception("The worker crashed (injected).");

    /// <summary>The worker "dies" after its n-th successful storage write: every later request of it fails.</summary>
    private sealed class CrashAfterWritesPolicy(int writes) : Azure.Core.Pipeline.HttpPipelinePolicy
    {
        private int _writes;

        public override async ValueTask ProcessAsync(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            if (Volatile.Read(ref _writes) >= writes)
            {
                throw new CrashedException();
            }

            await ProcessNextAsync(message, pipeline);
            if (message.Request.Method != Azure.Core.RequestMethod.Get && message.Response.Status < 300)
            {
                Interlocked.Increment(ref _writes);
            }
        }

        public override void Process(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException();
    }

    // ------------------------------------------------------------------ Front, as the history left it

    /// <summary>Front after the whole history: merges applied; notifications carry the state of their moment.</summary>
    private sealed class FrontWorld
    {
        private readonly Dictionary<string, string> _mergedInto = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _ids = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _ownIds = new(StringComparer.Ordinal);
        private readonly List<(string MessageId, string ConversationId, string[] Ids, bool ConversationMetadata, bool MessageMetadata)> _imports = [];

        public IReadOnlyList<string> ConversationIds => [.. _ids.Keys];

        public static FrontWorld From(Case c)
        {
            var world = new FrontWorld();
            for (var i = 0; i < c.IdsPerConversation.Length; i++)
            {
                var own = Enumerable.Range(0, c.IdsPerConversation[i]).Select(k => $"thread-{i}/{(char)('a' + k)}").ToList();
                world._ids[$"cnv_c{i}"] = [.. own];
                world._ownIds[$"cnv_c{i}"] = own;
            }

            foreach (var step in c.Steps)
            {
                var from = world.Survivor($"cnv_c{step.From}");
                if (step.Merge)
                {
                    var into = world.Survivor($"cnv_c{step.Into}");
                    if (from != into)
                    {
                        world._mergedInto[from] = into;
                        world._ids[into].AddRange(world._ids[from].Where(id => !world._ids[into].Contains(id)));
                    }
                }
                else
                {
                    world._imports.Add(($"msg_m{world._imports.Count}", from, [.. world._ids[from]], step.ConversationMetadata, step.MessageMetadata));
                }
            }

            return world;
        }

        public string Survivor(string conversationId)
        {
            while (_mergedInto.TryGetValue(conversationId, out var next))
            {
                conversationId = next;
            }

            return conversationId;
        }

        public IReadOnlyList<string> ExternalIds(string survivor) => _ids[survivor];

        public IReadOnlyList<string> OwnExternalIds(string conversationId) => _ownIds[conversationId];

        public string ExternalMessageId(string messageId) => "ext/" + messageId;

        public IReadOnlyList<IngestNotification> Notifications(string channel) => [.. _imports.Select(i => new IngestNotification
        {
            DeliveryKey = IngestNotification.DeliveryKeyFor(channel, i.MessageId),
            ChannelId = channel,
            ReceivedAt = DateTimeOffset.UtcNow,
            MessageId = i.MessageId,
            ConversationId = i.ConversationId,
            ExternalConversationIds = i.ConversationMetadata ? i.Ids : [],
            ExternalId = i.MessageMetadata ? ExternalMessageId(i.MessageId) : null,
            MessageUid = i.MessageMetadata ? "uid-" + i.MessageId : null,
        })];

        public HttpResponseMessage Answer(string path)
        {
            if (path.StartsWith("/messages/", StringComparison.Ordinal))
            {
                var id = path["/messages/".Length..];
                var import = _imports.FirstOrDefault(i => i.MessageId == id);
                return import.MessageId is null
                    ? new HttpResponseMessage(HttpStatusCode.NotFound)
                    : StubFrontHandler.Message(id, Survivor(import.ConversationId), ExternalMessageId(id), "uid-" + id);
            }

            var conversation = path["/conversations/".Length..];
            if (!_ids.ContainsKey(conversation))
            {
                return new HttpResponseMessage(HttpStatusCode.NotFound);
            }

            var survivor = Survivor(conversation);
            return survivor != conversation
                ? StubFrontHandler.Redirect(survivor)
                : StubFrontHandler.Conversation(conversation, [.. _ids[conversation]]);
        }
    }
}
