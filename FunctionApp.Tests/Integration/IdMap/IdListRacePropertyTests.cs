using CsCheck;
using FrontFunctions.IdMap;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FrontFunctions.Tests.Integration.IdMap;

/// <summary>
/// Issue 22 point 3: the race the split list adds. A conversation's list spills onto <c>fi|</c> pages (written before the
/// <c>fc|</c> row that names them, If-Match); writers on separate instances append ids to the same conversation at once
/// while, in some cases, the conversation is merged into another. Column budgets are tiny here (a page every few ids), so
/// nearly every append spills. After quiescence every id must be readable exactly once: in the survivor's list (by Front
/// id and through each external id), and every page stored named by its row, once. CsCheck generates the cases and
/// shrinks a failing one (the storage interleaving itself is the real one, so a seed replays the case, not every timing).
/// </summary>
public sealed class IdListRacePropertyTests(ITestOutputHelper output)
{
    private const int Cases = 60;

    public sealed record Case(int[][] Writers, int SurvivorIds, int MergeAfter, int Budget)
    {
        public override string ToString() =>
            $"budget {Budget} chars; writers: {string.Join(" | ", Writers.Select(w => string.Join(",", w)))}; survivor ids: {SurvivorIds}; merge after: {MergeAfter}";
    }

    private static readonly Gen<Case> CaseGen =
        Gen.Select(
            Gen.Int[3, 30].Array[1, 5].Array[2, 3],
            Gen.Int[0, 3],
            Gen.Int[-1, 4],
            Gen.Int[60, 160],
            (writers, survivorIds, mergeAfter, budget) => new Case(writers, survivorIds, mergeAfter, budget));

    [Fact]
    public async Task Concurrent_appends_that_spill_onto_pages_and_a_merge_during_them_leave_every_id_readable_exactly_once()
    {
        var ran = 0;
        await CaseGen.SampleAsync(
            async c =>
            {
                Interlocked.Increment(ref ran);
                await RunAsync(c);
            },
            writeLine: output.WriteLine,
            iter: Cases,
            threads: 1,
            print: c => c!.ToString()!);
        Assert.True(ran >= Cases, $"{ran} cases ran");
    }

    private static async Task RunAsync(Case c)
    {
        var channel = TestStorage.NewChannelId();
        var tables = TestStorage.LimitedTables();
        TestStorage.EnsureAppStorage();
        IdMapStore Instance() => new(tables, TimeProvider.System, c.Budget);

        static string Id(string tag, int i, int length) => $"{tag}-{i}-" + new string((char)('一' + length + i), length);
        var survivorIds = Enumerable.Range(0, c.SurvivorIds).Select(i => Id("s", i, 12)).ToList();
        if (survivorIds.Count > 0)
        {
            await Instance().RecordConversationAsync(channel, "cnv_s", survivorIds);
        }

        var mergeStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writerIds = c.Writers.Select((lengths, w) => lengths.Select((length, i) => Id("w" + w, i, length)).ToList()).ToList();
        var writers = writerIds.Select(async (ids, w) =>
        {
            var map = Instance();
            for (var i = 0; i < ids.Count; i++)
            {
                if (w == 0 && i == c.MergeAfter)
                {
                    mergeStarted.TrySetResult();
                }

                // As a notification would: the ids this writer has seen so far (one new each time).
                await map.RecordConversationAsync(channel, "cnv_m", ids.Take(i + 1).ToList());
            }
        }).ToList();

        var merge = c.MergeAfter < 0 ? Task.CompletedTask : Task.Run(async () =>
        {
            await Task.WhenAny(mergeStarted.Task, Task.WhenAll(writers));
            await Instance().RecordMergeAsync(channel, "cnv_m", "cnv_s", confirmedByFront: true);
        });
        await Task.WhenAll(writers.Append(merge));

        var reader = Instance();
        var survivor = c.MergeAfter < 0 ? "cnv_m" : "cnv_s";
        var expected = writerIds.SelectMany(ids => ids).Concat(c.MergeAfter < 0 ? [] : survivorIds).Order(StringComparer.Ordinal).ToList();
        var found = await reader.FindConversationByFrontIdAsync(channel, "cnv_m");
        Assert.NotNull(found);
        Assert.Equal(survivor, found.ConversationId);
        Assert.Equal(expected, found.ExternalConversationIds.Order(StringComparer.Ordinal));
        foreach (var id in expected)
        {
            var byExternal = await reader.FindConversationByExternalIdAsync(channel, id);
            Assert.Equal(survivor, byExternal?.ConversationId);
        }

        // Every page stored is named by its row, once: the pages of row versions that lost a race were deleted.
        var table = TestStorage.Tables().GetTableClient(StorageNames.IdMapTable);
        foreach (var conversation in new[] { "cnv_m", "cnv_s" })
        {
            var row = await table.GetEntityIfExistsAsync<ConversationEntity>(channel, IdMapKeys.FrontConversation(conversation));
            var named = row.HasValue ? row.Value!.GetPages() : [];
            var (from, to) = IdMapKeys.Range(IdMapKeys.IdsPagePrefix, conversation);
            var stored = new List<string>();
            await foreach (var page in table.QueryAsync<IdsPageEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {channel} and RowKey ge {from} and RowKey lt {to}")))
            {
                stored.Add(page.RowKey[from.Length..]);
            }

            Assert.Equal(named.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
        }
    }
}
