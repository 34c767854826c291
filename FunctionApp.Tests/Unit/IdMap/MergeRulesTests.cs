using FrontFunctions.IdMap;
using static FrontFunctions.IdMap.MergeRules;

namespace FrontFunctions.Tests.Unit.IdMap;

/// <summary>The merge rules as pure decisions, one row at a time.</summary>
public sealed class MergeRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void External_conversation_ids_are_only_added_in_order_never_removed_or_repeated()
    {
        var list = new List<string> { "t1", "t2" };

        Assert.True(AddIds(list, ["t2", "t3", "t3"]));
        Assert.False(AddIds(list, ["t1"]));
        Assert.False(AddIds(list, []));
        Assert.Equal(["t1", "t2", "t3"], list);
    }

    [Theory]
    [InlineData(true, false, 30, false)]  // refreshed 30 s ago, nothing new: no write just for the timestamp
    [InlineData(true, false, 60, true)]   // a minute old
    [InlineData(true, true, 1, true)]     // the list changed: the row is written anyway
    [InlineData(false, true, 3600, false)] // a write that is not a confirmation never refreshes
    public void RefreshedAt_moves_at_most_once_a_minute(bool refresh, bool changed, int secondsAgo, bool expected) =>
        Assert.Equal(expected, RefreshDue(refresh, changed, Now.AddSeconds(-secondsAgo), Now));

    [Fact]
    public void A_row_never_refreshed_is_refreshed() => Assert.True(RefreshDue(true, false, null, Now));

    [Theory]
    [InlineData(new[] { "a", "b", "c" }, new[] { "a", "b" }, true)]
    [InlineData(new[] { "a", "c" }, new[] { "a", "b" }, false)] // only some: maybe an old notification, not evidence
    [InlineData(new[] { "a" }, new string[0], false)]           // a holder with no ids is no evidence either
    public void A_merge_is_inferred_only_from_a_list_holding_all_the_other_conversations_ids(string[] notification, string[] holder, bool expected) =>
        Assert.Equal(expected, ListsAllIdsOf(notification, holder));

    [Theory]
    [InlineData(null, null, false, MarkDecision.Mark)]
    [InlineData(null, null, true, MarkDecision.Mark)]
    [InlineData("cnv_s", false, false, MarkDecision.Keep)]      // already so
    [InlineData("cnv_s", false, true, MarkDecision.Confirm)]    // already so, now confirmed
    [InlineData("cnv_s", true, true, MarkDecision.Keep)]
    [InlineData("cnv_other", false, false, MarkDecision.Keep)]  // an inferred merge never overrides a recorded one
    [InlineData("cnv_other", false, true, MarkDecision.Mark)]   // a confirmed one overrides an inferred one
    [InlineData("cnv_other", true, true, MarkDecision.Keep)]    // but not a confirmed one
    public void Marking_a_merge_follows_rule_4(string? current, bool? confirmed, bool byFront, MarkDecision expected) =>
        Assert.Equal(expected, DecideMark(current, confirmed, "cnv_s", byFront));

    [Fact]
    public void A_confirmed_merge_undoes_only_the_reverse_merge()
    {
        Assert.True(UndoesReverse("cnv_o", "cnv_o"));
        Assert.False(UndoesReverse("cnv_x", "cnv_o"));
        Assert.False(UndoesReverse(null, "cnv_o"));
    }

    [Fact]
    public void Message_facts_are_filled_once_and_an_external_message_id_stays_with_the_first_message()
    {
        Assert.True(FillsOnce(null, "e1"));
        Assert.True(FillsOnce("", "e1"));
        Assert.False(FillsOnce("e0", "e1"));
        Assert.False(FillsOnce(null, null));
        Assert.True(KeepsExternalMessage(null, "msg_1"));
        Assert.True(KeepsExternalMessage("msg_1", "msg_1"));
        Assert.False(KeepsExternalMessage("msg_0", "msg_1"));
    }

    [Theory]
    [InlineData(null, null, true)]                // no conversation yet
    [InlineData("cnv_old", "cnv_new", true)]      // the one it holds ended up in the survivor
    [InlineData("cnv_other", "cnv_other", false)] // an older notification never moves a row elsewhere
    [InlineData("cnv_new", "cnv_new", false)]     // already there
    public void A_message_row_moves_only_to_the_survivor_of_what_it_holds(string? current, string? resolved, bool expected) =>
        Assert.Equal(expected, MovesConversation(current, resolved, "cnv_new"));
}
