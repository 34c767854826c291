using FrontFunctions.IdMap;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.IdMap;

/// <summary>
/// The insert-once of <see cref="IdMapStore.EnsureExternalConversationIdAsync"/> on its own, over Azurite: racing callers
/// whose mint gives each a DIFFERENT id (so determinism cannot hide a lost race) all answer the one id that was stored.
/// </summary>
public sealed class MintOnceTests
{
    private readonly IdMapStore _map;

    public MintOnceTests()
    {
        var tables = TestStorage.Tables();
        _map = new IdMapStore(tables, new StorageInitializer(TestStorage.Queues(), tables, TestStorage.Blobs()), TimeProvider.System);
    }

    [Fact]
    public async Task Racing_mints_in_a_new_conversation_store_one_id_and_every_caller_answers_it()
    {
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        for (var round = 0; round < 10; round++)
        {
            var channel = TestStorage.NewChannelId();
            var conversation = "cnv_" + Guid.NewGuid().ToString("N")[..10];
            var callers = random.Next(2, 9);
            var delays = Enumerable.Range(0, callers).Select(_ => random.Next(0, 5)).ToArray();
            var answers = await Task.WhenAll(delays.Select(async (delay, i) =>
            {
                await Task.Delay(delay);
                return (await _map.EnsureExternalConversationIdAsync(channel, conversation, c => $"minted-{c}-{i}-{Guid.NewGuid():N}")).ExternalConversationId;
            }));

            Assert.True(answers.Distinct().Count() == 1, $"seed {seed} round {round}: {callers} callers answered {string.Join(", ", answers.Distinct())}");
            var stored = await _map.FindConversationByFrontIdAsync(channel, conversation);
            Assert.Equal([answers[0]!], stored!.ExternalConversationIds);
            var byExternal = await _map.FindConversationByExternalIdAsync(channel, answers[0]!);
            Assert.Equal(conversation, byExternal!.ConversationId);
        }
    }

    [Fact]
    public async Task A_conversation_with_ids_keeps_them_and_nothing_is_minted()
    {
        var channel = TestStorage.NewChannelId();
        await _map.RecordConversationAsync(channel, "cnv_known", ["partner-thread"]);

        var (_, id) = await _map.EnsureExternalConversationIdAsync(channel, "cnv_known", _ => throw new InvalidOperationException("minted"));

        Assert.Equal("partner-thread", id);
    }

    [Fact]
    public async Task Nothing_is_written_when_the_caller_refuses_the_write()
    {
        var channel = TestStorage.NewChannelId();

        var (_, id) = await _map.EnsureExternalConversationIdAsync(channel, "cnv_refused", c => "front:" + c, mayWrite: () => Task.FromResult(false));

        Assert.Null(id);
        Assert.Null(await _map.GetConversationRowAsync(channel, "cnv_refused"));
    }
}
