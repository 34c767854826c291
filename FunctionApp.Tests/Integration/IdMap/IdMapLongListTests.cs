using Azure.Data.Tables;
using FrontFunctions.IdMap;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.IdMap;

/// <summary>
/// Issue 22 point 3: a conversation's external-id list of any length, on a table client that refuses what Azure refuses
/// (<see cref="AzureTableLimits"/>). The list was one JSON string column: about 27 ids of 200 CJK characters passed 64 KiB,
/// and every later message of that conversation was refused by Azure (retried, then poisoned) while Azurite stored it.
/// </summary>
public sealed class IdMapLongListTests
{
    private readonly string _channel = TestStorage.NewChannelId();
    private readonly IdMapStore _map;

    public IdMapLongListTests()
    {
        var tables = TestStorage.LimitedTables();
        TestStorage.EnsureAppStorage();
        _map = new IdMapStore(tables, TimeProvider.System);
    }

    /// <summary>An id of 200 CJK characters, distinct per <paramref name="i"/>.</summary>
    public static string CjkId(int i) => i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture) + new string((char)('一' + (i % 500)), 196);

    [Fact]
    public async Task A_conversation_gaining_40_ids_of_200_CJK_characters_maps_every_later_message()
    {
        var ids = Enumerable.Range(0, 40).Select(CjkId).ToList();
        for (var i = 0; i < ids.Count; i++)
        {
            // Each notification lists every id the conversation has so far, as Front sends them.
            var update = await _map.RecordConversationAsync(_channel, "cnv_long", ids.Take(i + 1).ToList());
            var mapped = await _map.RecordMessageAsync(_channel, $"msg_{i}", update.ConversationId, $"e-{i}", $"uid-{i}");
            Assert.Equal(ids.Take(i + 1), mapped.ExternalConversationIds);
        }

        var message = await _map.FindMessageByExternalIdAsync(_channel, "e-39");
        Assert.Equal(ids, message!.ExternalConversationIds);
        Assert.Equal(ids, (await _map.FindConversationByFrontIdAsync(_channel, "cnv_long"))!.ExternalConversationIds);
        Assert.Equal(ids, (await _map.FindConversationByExternalIdAsync(_channel, ids[0]))!.ExternalConversationIds);
        Assert.Equal(ids, (await _map.GetConversationRowAsync(_channel, "cnv_long"))!.ExternalConversationIds);
        Assert.Equal(ids[0], (await _map.BeginExternalConversationIdAsync(_channel, "cnv_long", c => "front:" + c)).ExternalConversationId);
    }

    [Fact]
    public async Task A_list_of_300_hostile_ids_survives_a_merge_into_a_conversation_with_its_own_long_list()
    {
        // 200 astral characters (escaped in JSON as 12 characters each) and controls: the worst case for a list's size.
        static string Hostile(string tag, int i) => $"{tag}{i:D3}\u0001" + string.Concat(Enumerable.Repeat("😀", 198));
        var a = Enumerable.Range(0, 150).Select(i => Hostile("a", i)).ToList();
        var b = Enumerable.Range(0, 150).Select(i => Hostile("b", i)).ToList();
        await _map.RecordConversationAsync(_channel, "cnv_a", a);
        await _map.RecordMessageAsync(_channel, "msg_a", "cnv_a", "e-a", null);
        await _map.RecordConversationAsync(_channel, "cnv_b", b);

        await _map.RecordMergeAsync(_channel, "cnv_a", "cnv_b", confirmedByFront: true);

        var survivor = await _map.FindMessageByExternalIdAsync(_channel, "e-a");
        Assert.Equal("cnv_b", survivor!.ConversationId);
        Assert.Equal(b.Concat(a).Order(StringComparer.Ordinal), survivor.ExternalConversationIds.Order(StringComparer.Ordinal));
        Assert.Equal(300, survivor.ExternalConversationIds.Distinct().Count());
        Assert.Equal("cnv_b", (await _map.FindConversationByExternalIdAsync(_channel, a[149]))!.ConversationId);
    }

    [Fact]
    public async Task A_row_written_by_the_previous_version_is_read_and_grown()
    {
        // Before issue 22 the whole list was the fc| row's ExternalConversationIds column (JSON, default escaping).
        var old = Enumerable.Range(0, 20).Select(CjkId).ToList();
        var table = TestStorage.Tables().GetTableClient(StorageNames.IdMapTable);
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity(_channel, IdMapKeys.FrontConversation("cnv_old"))
        {
            ["ConversationId"] = "cnv_old",
            ["ExternalConversationIds"] = System.Text.Json.JsonSerializer.Serialize(old),
        });

        Assert.Equal(old, (await _map.FindConversationByFrontIdAsync(_channel, "cnv_old"))!.ExternalConversationIds);
        var grown = old.Concat(Enumerable.Range(20, 20).Select(CjkId)).ToList();
        var update = await _map.RecordConversationAsync(_channel, "cnv_old", grown);

        Assert.Equal(grown, update.ExternalConversationIds);
        Assert.Equal(grown, (await _map.FindConversationByFrontIdAsync(_channel, "cnv_old"))!.ExternalConversationIds);
    }
}
