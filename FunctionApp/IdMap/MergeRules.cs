namespace FrontFunctions.IdMap;

/// <summary>
/// The merge rules, as pure decisions on one row at a time (<see cref="IdMapStore"/> applies them with optimistic
/// concurrency). Notifications arrive at least once, late and out of order (docs/front-channel-api.md); the rules make
/// every write idempotent and monotonic, so a replay or an older notification never undoes a newer state:
/// <list type="number">
/// <item>External conversation ids are only ever ADDED to a conversation's list (a union), never removed.</item>
/// <item>Writes go to the survivor: a conversation id is first resolved through <c>MergedInto</c> (cycle-guarded), so an
/// older notification for a merged-away conversation lands on the survivor; a list write that finds its row merged away
/// meanwhile is forwarded to the survivor.</item>
/// <item>A merge is learnt (a) from Front: <c>GET /conversations/{old}</c> answered 301 to the survivor (confirmed), or
/// (b) inferred from a notification: conversation S lists every external id currently mapped to another conversation O
/// (Front gives the survivor all the ids of what was merged into it). A notification that lists only SOME of O's ids is
/// not evidence (it can be an old notification of S from before S was merged into O): the ids stay with O and O is reported
/// as an unresolved claim, for enrichment to settle with Front.</item>
/// <item>On a merge O → S: <c>fc|O</c> records <c>MergedInto = S</c> (with <c>MovePending</c> until the move is done); O's
/// external ids are added to S; every row pointing at O is repointed to S. A confirmed merge overrides an inferred one in
/// the other direction (S → O); an inferred merge never overrides a recorded one.</item>
/// <item>A message row's conversation only moves to the survivor of the conversation it holds; a message's external id and
/// uid, once known, never change; an external message id stays with the first Front message recorded for it (insert-once).</item>
/// </list>
/// </summary>
public static class MergeRules
{
    /// <summary>Prefix of the external ids the app mints for Front's own messages and conversations (never a partner's).</summary>
    public const string MintedIdPrefix = "front:";

    /// <summary>
    /// The external conversation id to answer Front with: the first one the partner gave (not minted here), else the first.
    /// A conversation answered with a minted <c>front:cnv_…</c> while its first <c>message_imported</c> was still queued
    /// later gets the partner's own id too: both thread the reply in Front, and the partner then sees its own id.
    /// </summary>
    public static string PreferredExternalConversationId(IReadOnlyList<string> ids) =>
        ids.FirstOrDefault(id => !id.StartsWith(MintedIdPrefix, StringComparison.Ordinal)) ?? ids[0];

    /// <summary>RefreshedAt is rewritten at most this often: every message of a busy conversation would otherwise write the row.</summary>
    public static readonly TimeSpan RefreshWriteInterval = TimeSpan.FromMinutes(1);

    /// <summary>Rule 1: adds what is missing to <paramref name="list"/>; true when it grew.</summary>
    public static bool AddIds(List<string> list, IEnumerable<string> ids)
    {
        var changed = false;
        foreach (var id in ids)
        {
            if (!list.Contains(id, StringComparer.Ordinal))
            {
                list.Add(id);
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>Whether a conversation write should move <c>RefreshedAt</c> to now.</summary>
    public static bool RefreshDue(bool refresh, bool changed, DateTimeOffset? last, DateTimeOffset now) =>
        refresh && (changed || last is not { } l || now - l >= RefreshWriteInterval);

    /// <summary>Rule 3(b): a notification listing every id the holder has (and the holder has some) is evidence of a merge.</summary>
    public static bool ListsAllIdsOf(IReadOnlyCollection<string> notificationIds, IReadOnlyList<string> holderIds) =>
        holderIds.Count > 0 && holderIds.All(id => notificationIds.Contains(id, StringComparer.Ordinal));

    /// <summary>What marking a conversation as merged into <c>survivor</c> does to its row.</summary>
    public enum MarkDecision
    {
        /// <summary>Already so, or a recorded merge elsewhere that this one may not override.</summary>
        Keep,
        /// <summary>Already merged into the survivor; Front has now confirmed it.</summary>
        Confirm,
        /// <summary>Record <c>MergedInto = survivor</c>.</summary>
        Mark,
    }

    /// <summary>Rule 4 for the merged-away row: an inferred merge never overrides a recorded one; a confirmed one only an inferred one.</summary>
    public static MarkDecision DecideMark(string? currentMergedInto, bool? currentConfirmed, string survivorId, bool confirmedByFront)
    {
        if (string.Equals(currentMergedInto, survivorId, StringComparison.Ordinal))
        {
            return confirmedByFront && currentConfirmed != true ? MarkDecision.Confirm : MarkDecision.Keep;
        }

        if (!string.IsNullOrEmpty(currentMergedInto) && !(confirmedByFront && currentConfirmed != true))
        {
            return MarkDecision.Keep;
        }

        return MarkDecision.Mark;
    }

    /// <summary>Rule 4: a confirmed merge O → S undoes a recorded S → O (which can only have been inferred).</summary>
    public static bool UndoesReverse(string? survivorMergedInto, string mergedId) =>
        string.Equals(survivorMergedInto, mergedId, StringComparison.Ordinal);

    /// <summary>Rule 5: a value is written only where none is known yet.</summary>
    public static bool FillsOnce(string? current, string? value) => value is not null && string.IsNullOrEmpty(current);

    /// <summary>Rule 5: an external message id stays with the first Front message recorded for it.</summary>
    public static bool KeepsExternalMessage(string? recordedMessageId, string messageId) =>
        recordedMessageId is null || string.Equals(recordedMessageId, messageId, StringComparison.Ordinal);

    /// <summary>
    /// Rule 5: a message row moves from <paramref name="current"/> to <paramref name="survivor"/> only when it holds none, or
    /// when <paramref name="currentResolved"/> (the survivor of what it holds) is that survivor.
    /// </summary>
    public static bool MovesConversation(string? current, string? currentResolved, string survivor) =>
        !string.Equals(current, survivor, StringComparison.Ordinal)
        && (string.IsNullOrEmpty(current) || string.Equals(currentResolved, survivor, StringComparison.Ordinal));
}
