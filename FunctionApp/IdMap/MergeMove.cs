namespace FrontFunctions.IdMap;

/// <summary>
/// The move that follows a merge's mark (rule 4): the merged-away conversation's external ids go to its final survivor and
/// every row that pointed at it is repointed. A move is re-runnable (each step is idempotent), so one interrupted by a crash
/// (<see cref="ConversationRow.MovePending"/> on the merged-away row, <see cref="ConversationRow.MovesIn"/> on the survivor)
/// is finished by the next write that resolves through it (<see cref="ResolveAsync"/>).
/// </summary>
internal sealed class MergeMove(IdMapTable table, IdMapReader reader, ConversationRows conversations)
{
    /// <summary>
    /// The surviving conversation of <paramref name="conversationId"/> (itself when not known to be merged) and its row.
    /// A merge on the way whose move was interrupted (<see cref="ConversationRow.MovePending"/>) is completed first, and so
    /// are the interrupted moves into the survivor (<see cref="ConversationRow.MovesIn"/>), whose row is then read again.
    /// </summary>
    public async Task<(string ConversationId, ConversationRow? Row)> ResolveAsync(string channelId, string conversationId, CancellationToken cancellationToken)
    {
        var current = conversationId;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        ConversationRow? row = null;
        for (var hop = 0; hop < IdMapTable.MaxMergeHops && seen.Add(current); hop++)
        {
            row = await reader.GetConversationRowAsync(channelId, current, cancellationToken).ConfigureAwait(false);
            if (row?.MergedInto is not { Length: > 0 } next || seen.Contains(next))
            {
                if (row?.MovesIn is { Count: > 0 } movesIn)
                {
                    // Moves into this survivor that were interrupted: finish them, then read the row again.
                    foreach (var moving in movesIn)
                    {
                        if (!await CompleteAsync(channelId, moving, cancellationToken).ConfigureAwait(false))
                        {
                            await conversations.ForgetMoveInAsync(channelId, current, moving, cancellationToken).ConfigureAwait(false); // undone since
                        }
                    }

                    return await reader.FollowMergesAsync(channelId, current, cancellationToken).ConfigureAwait(false);
                }

                return (current, row);
            }

            if (row.MovePending)
            {
                await CompleteAsync(channelId, current, cancellationToken).ConfigureAwait(false);
            }

            current = next;
        }

        return (current, row);
    }

    /// <summary>
    /// Moves a merged-away conversation to its final survivor: its external ids are added there, every row pointing at it
    /// is repointed, then <c>MovePending</c> and the survivor's <c>MovesIn</c> entry are cleared. Re-runnable: each step is
    /// idempotent. False when there is no merge to move (not recorded, or undone by a confirmed reverse merge).
    /// </summary>
    public async Task<bool> CompleteAsync(string channelId, string mergedId, CancellationToken cancellationToken)
    {
        var (mergedEntity, merged) = await table.GetConversationAsync(channelId, mergedId, cancellationToken).ConfigureAwait(false);
        if (merged?.MergedInto is not { Length: > 0 } target)
        {
            return false;
        }

        var (finalSurvivor, _) = await reader.FollowMergesAsync(channelId, mergedId, cancellationToken).ConfigureAwait(false);
        if (string.Equals(finalSurvivor, mergedId, StringComparison.Ordinal))
        {
            return false; // the merge was not recorded (a cycle would have formed)
        }

        // The survivor gains every external id of what was merged into it first (so lookups of rows not repointed yet, which
        // resolve through the mark, answer the full list), with MovesIn naming this move until it is complete: a survivor
        // whose list holds an id and has no MovesIn has had that id's rows repointed (ConversationWriter relies on it).
        var (survivor, _) = await conversations.AddExternalIdsAsync(channelId, finalSurvivor, merged.ExternalConversationIds, refresh: false, movingIn: mergedId, cancellationToken).ConfigureAwait(false);

        // Repoint every row that points at the merged-away conversation, found by key: its ml| links (one range query over
        // this conversation's links, whatever the size of the channel). A conversation created before the links existed
        // (LinkedRows not set) is moved by filtering the channel's partition on ConversationId, as before issue 22.
        var targets = mergedEntity?.LinkedRows == true ? LinkedRowsAsync(channelId, mergedId, cancellationToken) : ScannedRowsAsync(channelId, mergedId, cancellationToken);
        await foreach (var rowKey in targets.ConfigureAwait(false))
        {
            if (IdMapKeys.IsExternalConversation(rowKey))
            {
                var claim = await table.GetAsync<ExternalConversationEntity>(channelId, rowKey, cancellationToken).ConfigureAwait(false);
                if (claim is null || !string.Equals(claim.ConversationId, mergedId, StringComparison.Ordinal))
                {
                    continue;
                }

                if (claim.ExternalConversationId is { Length: > 0 } x)
                {
                    (survivor, _) = await conversations.AddExternalIdsAsync(channelId, survivor, [x], refresh: false, movingIn: mergedId, cancellationToken).ConfigureAwait(false);
                }

                await conversations.RepointAsync(channelId, claim.ExternalConversationId ?? "", survivor, onlyFrom: mergedId, rowKey, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var to = survivor;
                await table.Rows.MutateAsync<MessageEntity>(channelId, rowKey, existing =>
                {
                    if (existing is null || !string.Equals(existing.ConversationId, mergedId, StringComparison.Ordinal))
                    {
                        return null;
                    }

                    existing.ConversationId = to;
                    return existing;
                }, cancellationToken).ConfigureAwait(false);
            }
        }

        if (merged.MovePending)
        {
            await table.Rows.MutateAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(mergedId), existing =>
            {
                if (existing?.MovePending != true || !string.Equals(existing.MergedInto, target, StringComparison.Ordinal))
                {
                    return null;
                }

                existing.MovePending = false;
                return existing;
            }, cancellationToken).ConfigureAwait(false);
        }

        await conversations.ForgetMoveInAsync(channelId, survivor, mergedId, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The rows the conversation's <c>ml|</c> links name (some may point elsewhere since: the caller checks).</summary>
    private async IAsyncEnumerable<string> LinkedRowsAsync(string channelId, string conversationId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (from, to) = IdMapKeys.Range(IdMapKeys.LinkPrefix, conversationId);
        await foreach (var link in table.Rows.Table.QueryAsync<LinkEntity>(
            Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {channelId} and RowKey ge {from} and RowKey lt {to}"),
            select: ["Target"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (link.Target is { Length: > 0 } target)
            {
                yield return target;
            }
        }
    }

    /// <summary>Before issue 22: the rows of the channel's partition whose ConversationId is the conversation (a filter, not a key).</summary>
    private async IAsyncEnumerable<string> ScannedRowsAsync(string channelId, string conversationId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in table.Rows.Table.QueryAsync<ExternalConversationEntity>(
            e => e.PartitionKey == channelId && e.ConversationId == conversationId, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (IdMapKeys.IsExternalConversation(row.RowKey) || row.RowKey.StartsWith(IdMapKeys.FrontMessagePrefix, StringComparison.Ordinal)
                || row.RowKey.StartsWith(IdMapKeys.ExternalMessagePrefix, StringComparison.Ordinal))
            {
                yield return row.RowKey;
            }
        }
    }
}
