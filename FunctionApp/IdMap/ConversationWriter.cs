namespace FrontFunctions.IdMap;

/// <summary>
/// Writes what is known of conversations: the external conversation ids a conversation carries (from a notification or
/// from Front), and merges (rule 4: the mark on the merged-away row, then its <see cref="MergeMove"/>), each applying
/// <see cref="MergeRules"/> one row at a time.
/// </summary>
internal sealed class ConversationWriter(IdMapTable table, TimeProvider time, SettledConversations settled, ConversationRows conversations, MergeMove moves)
{
    /// <summary>
    /// Records that <paramref name="conversationId"/> carries <paramref name="externalConversationIds"/> (from a notification or
    /// from Front), following the merge rules; refreshes the survivor's <c>RefreshedAt</c>.
    /// </summary>
    public async Task<ConversationUpdate> RecordConversationAsync(
        string channelId, string conversationId, IReadOnlyCollection<string> externalConversationIds, CancellationToken cancellationToken)
    {
        IdMapTable.ValidateChannel(channelId);
        var ids = externalConversationIds.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToList();
        var (survivor, row) = await moves.ResolveAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false);

        // The common case: the survivor already lists every id (so each was claimed for it, or moved to it by a move that
        // is complete: no MovesIn, see MergeMove.CompleteAsync) and was confirmed less than a minute ago. Nothing to write:
        // the row read is the answer.
        if (row is { MergedInto: null, MovesIn: null or { Count: 0 } } && ids.All(id => row.ExternalConversationIds.Contains(id, StringComparer.Ordinal))
            && !MergeRules.RefreshDue(refresh: true, changed: false, row.RefreshedAt, time.GetUtcNow()))
        {
            settled.Remember(channelId, survivor, row.ExternalConversationIds);
            return new ConversationUpdate(survivor, row.ExternalConversationIds, []);
        }

        var accepted = new List<string>();
        var unresolved = new List<string>();
        foreach (var externalId in ids)
        {
            var claim = await conversations.ClaimAsync(channelId, externalId, survivor, insertFirst: false, cancellationToken).ConfigureAwait(false);
            if (claim is null)
            {
                accepted.Add(externalId);
                continue;
            }

            // Another conversation holds the id. Rule 3(b): a merge is inferred only when this notification lists ALL of its ids.
            var (other, otherRow) = await moves.ResolveAsync(channelId, claim, cancellationToken).ConfigureAwait(false);
            if (string.Equals(other, survivor, StringComparison.Ordinal))
            {
                await conversations.RepointAsync(channelId, externalId, survivor, onlyFrom: null, rowKey: null, cancellationToken).ConfigureAwait(false);
                accepted.Add(externalId);
            }
            else if (otherRow is not null && MergeRules.ListsAllIdsOf(ids, otherRow.ExternalConversationIds))
            {
                await RecordMergeAsync(channelId, other, survivor, confirmedByFront: false, cancellationToken).ConfigureAwait(false);
                accepted.Add(externalId);
            }
            else if (!unresolved.Contains(other))
            {
                unresolved.Add(other);
            }
        }

        var (final, list) = await conversations.AddExternalIdsAsync(channelId, survivor, accepted, refresh: true, movingIn: null, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(final, survivor, StringComparison.Ordinal))
        {
            // The survivor was merged away meanwhile (the list write was forwarded): the ids claimed for it follow.
            foreach (var externalId in accepted)
            {
                await conversations.RepointAsync(channelId, externalId, final, onlyFrom: survivor, rowKey: null, cancellationToken).ConfigureAwait(false);
            }
        }

        return new ConversationUpdate(final, list, unresolved);
    }

    /// <summary>
    /// Records that <paramref name="mergedId"/> was merged into <paramref name="survivorId"/> (rule 4): marks it, moves its
    /// external ids to the survivor and repoints every row that pointed at it.
    /// </summary>
    public async Task RecordMergeAsync(string channelId, string mergedId, string survivorId, bool confirmedByFront, CancellationToken cancellationToken)
    {
        IdMapTable.ValidateChannel(channelId);
        if (string.Equals(mergedId, survivorId, StringComparison.Ordinal))
        {
            return;
        }

        if (confirmedByFront)
        {
            // A confirmed merge overrides an inferred one in the other direction.
            await table.Rows.MutateAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(survivorId), existing =>
            {
                if (existing is null || !MergeRules.UndoesReverse(existing.MergedInto, mergedId))
                {
                    return null;
                }

                existing.MergedInto = null;
                existing.MergeConfirmed = false;
                existing.MovePending = false;
                return existing;
            }, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // An inferred merge never creates a cycle: if the survivor is already known to end up in mergedId, keep that.
            var (end, _) = await moves.ResolveAsync(channelId, survivorId, cancellationToken).ConfigureAwait(false);
            if (string.Equals(end, mergedId, StringComparison.Ordinal))
            {
                return;
            }
        }

        await table.Rows.MutateAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(mergedId), existing =>
        {
            var entity = existing ?? ConversationEntity.New(channelId, mergedId);
            switch (MergeRules.DecideMark(entity.MergedInto, entity.MergeConfirmed, survivorId, confirmedByFront))
            {
                case MergeRules.MarkDecision.Confirm:
                    entity.MergeConfirmed = true;
                    return entity;
                case MergeRules.MarkDecision.Mark:
                    // The mark and the list that moves are one row version: a list write after it is forwarded to the survivor
                    // (ConversationRows.AddExternalIdsAsync), one before it is in the list the move copies. MovePending stays
                    // until the move is done, so a crash in between is finished by the next write that resolves through this row.
                    entity.ConversationId = mergedId;
                    entity.MergedInto = survivorId;
                    entity.MergeConfirmed = confirmedByFront;
                    entity.MovePending = true;
                    return entity;
                default:
                    return null;
            }
        }, cancellationToken).ConfigureAwait(false);

        settled.Forget(channelId, mergedId); // after the mark: whatever was remembered of it before or meanwhile is stale
        await moves.CompleteAsync(channelId, mergedId, cancellationToken).ConfigureAwait(false);
    }
}
