using FrontFunctions.IdMap;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.IdMap;

/// <summary>
/// The insert-once of <see cref="IdMapStore.BeginExternalConversationIdAsync"/> on its own (awaited to the end:
/// <see cref="IdMapStoreAnswerExtensions.EnsureExternalConversationIdAsync"/>), over Azurite: racing callers
/// whose mint gives each a DIFFERENT id (so determinism cannot hide a lost race) all answer the one id that was stored.
/// </summary>
public sealed class MintOnceTests
{
    private readonly IdMapStore _map;

    // Instances of the app as Azure runs them side by side: replies racing on one instance share one decision
    // (IdMapStore.BeginExternalConversationIdAsync), so only racers on different instances meet in storage.
    private readonly IdMapStore[] _instances;

    public MintOnceTests()
    {
        var tables = TestStorage.LimitedTables();
        TestStorage.EnsureAppStorage();
        _instances = [.. Enumerable.Range(0, 3).Select(_ => new IdMapStore(tables, TimeProvider.System))];
        _map = _instances[0];
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
            var instances = Enumerable.Range(0, callers).Select(_ => _instances[random.Next(_instances.Length)]).ToArray();
            var answers = await Task.WhenAll(delays.Select(async (delay, i) =>
            {
                await Task.Delay(delay);
                return (await instances[i].EnsureExternalConversationIdAsync(channel, conversation, c => $"minted-{c}-{i}-{Guid.NewGuid():N}")).ExternalConversationId;
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

    [Fact]
    public async Task Once_the_partner_s_own_id_arrives_for_a_conversation_answered_with_a_minted_id_answers_prefer_it_and_both_stay_findable()
    {
        // A teammate replied while the conversation's first message_imported was still queued: the reply got front:cnv_late.
        // The notification then adds the partner's own id. Both thread in Front; later answers give the partner its own id.
        var channel = TestStorage.NewChannelId();
        var (_, minted) = await _map.EnsureExternalConversationIdAsync(channel, "cnv_late", c => "front:" + c);
        Assert.Equal("front:cnv_late", minted);

        await _map.RecordConversationAsync(channel, "cnv_late", ["sms:+15550100"]);
        var (_, later) = await _map.EnsureExternalConversationIdAsync(channel, "cnv_late", _ => throw new InvalidOperationException("minted again"));

        Assert.Equal("sms:+15550100", later);
        Assert.Equal("cnv_late", (await _map.FindConversationByExternalIdAsync(channel, "front:cnv_late"))!.ConversationId);
        Assert.Equal("cnv_late", (await _map.FindConversationByExternalIdAsync(channel, "sms:+15550100"))!.ConversationId);
        Assert.Equal(["front:cnv_late", "sms:+15550100"], (await _map.FindConversationByFrontIdAsync(channel, "cnv_late"))!.ExternalConversationIds);
    }
}
