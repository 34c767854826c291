namespace FrontFunctions.IdMap;

/// <summary>
/// The <see cref="MergeRules"/> applied to one conversation row at a time, through <see cref="OptimisticTable"/>: claiming
/// and repointing an external conversation id's <c>xc|</c> row, growing a conversation's <c>fc|</c> list (rule 1), and
/// clearing a finished move from a survivor. The writers (<see cref="ConversationWriter"/>, <see cref="MergeMove"/>,
/// <see cref="MessageWriter"/>, <see cref="ExternalConversationIds"/>) build on these.
/// </summary>
internal sealed class ConversationRows(IdMapTable table, TimeProvider time, SettledConversations settled)
{
    /// <summary>Maps <paramref name="externalId"/> to <paramref name="conversationId"/> if free or already so; else returns the holder.</summary>
    /// <param name="insertFirst">The row is probably new (a minted id): insert it at once, reading only on a 409.</param>
    public async Task<string?> ClaimAsync(string channelId, string externalId, string conversationId, bool insertFirst, CancellationToken cancellationToken)
    {
        string? holder = null;
        var key = IdMapKeys.ExternalConversation(externalId);
        if (insertFirst)
        {
            var fresh = IdMapTable.New<ExternalConversationEntity>(channelId, key);
            fresh.ExternalConversationId = externalId;
            fresh.ConversationId = conversationId;
            await table.Rows.InsertFirstAsync(fresh, existing => ValueTask.FromResult(existing is null ? fresh : ClaimDecision(existing)), cancellationToken).ConfigureAwait(false);
            return holder;
        }

        ExternalConversationEntity? ClaimDecision(ExternalConversationEntity existing)
        {
            if (!string.Equals(existing.ConversationId, conversationId, StringComparison.Ordinal))
            {
                holder = existing.ConversationId;
            }

            return null;
        }

        await table.Rows.MutateAsync<ExternalConversationEntity>(channelId, key, existing =>
        {
            holder = null;
            if (existing is null)
            {
                var entity = IdMapTable.New<ExternalConversationEntity>(channelId, key);
                entity.ExternalConversationId = externalId;
                entity.ConversationId = conversationId;
                return entity;
            }

            if (!string.Equals(existing.ConversationId, conversationId, StringComparison.Ordinal))
            {
                holder = existing.ConversationId;
            }

            return null;
        }, cancellationToken).ConfigureAwait(false);
        return holder;
    }

    /// <summary>
    /// Points <c>xc|</c> at <paramref name="survivor"/> (only when it points at <paramref name="onlyFrom"/>, if given).
    /// <paramref name="rowKey"/>: the row's key when known (a row found by a scan), else derived from the id.
    /// </summary>
    public Task RepointAsync(string channelId, string externalId, string survivor, string? onlyFrom, string? rowKey, CancellationToken cancellationToken)
    {
        var key = rowKey ?? IdMapKeys.ExternalConversation(externalId);
        return table.Rows.MutateAsync<ExternalConversationEntity>(channelId, key, existing =>
        {
            var entity = existing ?? IdMapTable.New<ExternalConversationEntity>(channelId, key);
            if (string.Equals(entity.ConversationId, survivor, StringComparison.Ordinal)
                || (onlyFrom is not null && !string.Equals(entity.ConversationId, onlyFrom, StringComparison.Ordinal)))
            {
                return null;
            }

            entity.ExternalConversationId ??= externalId;
            entity.ConversationId = survivor;
            return entity;
        }, cancellationToken);
    }

    /// <summary>
    /// Rule 1: the conversation's list only grows. Creates the row when missing. A conversation that is merged away is not
    /// written: the ids go to its survivor (forwarded along <c>MergedInto</c>). <paramref name="movingIn"/>, when given,
    /// names a move into the conversation that has begun (added to its <c>MovesIn</c>). Returns the conversation written
    /// and its list, and keeps the settled-conversations memory current.
    /// </summary>
    public async Task<(string ConversationId, IReadOnlyList<string> Ids)> AddExternalIdsAsync(
        string channelId, string conversationId, IReadOnlyCollection<string> ids, bool refresh, string? movingIn, CancellationToken cancellationToken)
    {
        var target = conversationId;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            seen.Add(target);
            IReadOnlyList<string> result = [];
            string? forwardTo = null;
            var isSettled = false;
            var current = target;
            var key = IdMapKeys.FrontConversation(current);
            var written = new List<string>();
            IReadOnlyCollection<string> committed = [];
            var wrote = await table.Rows.MutateAsync<ConversationEntity>(channelId, key, async existing =>
            {
                forwardTo = null;
                committed = [];
                if (existing?.MergedInto is { Length: > 0 } next && !seen.Contains(next) && seen.Count < IdMapTable.MaxMergeHops)
                {
                    forwardTo = next;
                    return null;
                }

                var entity = existing ?? ConversationEntity.New(channelId, current);
                var list = existing is null ? [] : await table.Lists.ReadAsync(existing, cancellationToken).ConfigureAwait(false);
                var onPages = ConversationIdList.OnPages(existing, list);
                var grew = MergeRules.AddIds(list, ids);
                var changed = grew | (existing is null);
                result = list;
                entity.ConversationId = current;
                if (movingIn is not null && entity.GetMovesIn() is var moves && !moves.Contains(movingIn, StringComparer.Ordinal))
                {
                    moves.Add(movingIn);
                    entity.SetMovesIn(moves);
                    changed = true;
                }

                var now = time.GetUtcNow();
                if (MergeRules.RefreshDue(refresh, changed, entity.RefreshedAt, now))
                {
                    entity.RefreshedAt = now;
                    changed = true;
                }

                isSettled = entity.GetMovesIn().Count == 0;
                if (!changed)
                {
                    return null;
                }

                if (grew || existing is null)
                {
                    await table.Lists.SetAsync(entity, onPages, list, written, cancellationToken).ConfigureAwait(false);
                }

                committed = entity.GetPages();
                return entity;
            }, cancellationToken).ConfigureAwait(false);
            if (written.Count > 0)
            {
                await table.Lists.ForgetUncommittedAsync(channelId, current, written, wrote ? committed : []).ConfigureAwait(false);
            }

            if (forwardTo is null)
            {
                if (isSettled)
                {
                    settled.Remember(channelId, current, result);
                }
                else
                {
                    settled.Forget(channelId, current);
                }

                return (current, result);
            }

            settled.Forget(channelId, current);

            target = forwardTo;
        }
    }

    /// <summary>Removes <paramref name="mergedId"/> from the survivor's <c>MovesIn</c> (its move is complete, or was undone).</summary>
    public Task ForgetMoveInAsync(string channelId, string survivorId, string mergedId, CancellationToken cancellationToken) =>
        table.Rows.MutateAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(survivorId), existing =>
        {
            var moves = existing?.GetMovesIn() ?? [];
            if (existing is null || !moves.Remove(mergedId))
            {
                return null;
            }

            existing.SetMovesIn(moves);
            return existing;
        }, cancellationToken);
}
