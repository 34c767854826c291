using Azure.Data.Tables;
using FrontFunctions.Front;
using FrontFunctions.Storage;

namespace FrontFunctions.IdMap;

/// <summary>
/// The id map: external ids ↔ Front ids, in table <c>FrontIdMap</c> (key schema: <see cref="IdMapKeys"/>; rows:
/// <see cref="IdMapEntity"/>). Lookups for the lookup API, and the writes enrichment makes, each applying
/// <see cref="MergeRules"/> one row at a time through <see cref="OptimisticTable"/>.
/// </summary>
public sealed class IdMapStore
{
    private const int MaxMergeHops = 16;

    private readonly OptimisticTable _rows;
    private readonly TimeProvider _time;
    private readonly SettledConversations _settled;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Channel, string Conversation), Task<ExternalConversationAnswer>> _deciding = new();
    private readonly RecentHints<(string Channel, string RowKey), (Azure.ETag ETag, string ConversationId)> _answered = new();

    // Minted external conversation ids whose xc| row this instance wrote or found (rows are never deleted): an answer
    // carrying one of them needs no claim again (ClaimAnsweredIdAsync).
    private readonly RecentHints<(string Channel, string ExternalId), bool> _claimed = new();

    public IdMapStore(TableServiceClient tables, StorageInitializer storage, TimeProvider time)
    {
        _rows = new OptimisticTable(tables.GetTableClient(StorageNames.IdMapTable), storage.EnsureCreatedAsync);
        _time = time;
        _settled = new SettledConversations(time);
    }

    /// <summary>
    /// How long the answer to a teammate's reply trusts what this instance last saw of a settled conversation, instead of
    /// reading its row (<see cref="BeginExternalConversationIdAsync"/>): the same bound as the channel status memory
    /// (<see cref="Channels.ChannelRegistry.RecentFor"/>).
    /// </summary>
    public static readonly TimeSpan AnswerMemory = TimeSpan.FromSeconds(10);

    // ---------------------------------------------------------------- lookups (the lookup HTTP API)

    public Task<MappedMessage?> FindMessageByExternalIdAsync(string channelId, string externalId, CancellationToken cancellationToken = default) =>
        FindMessageAsync(channelId, IdMapKeys.ExternalMessage(externalId), cancellationToken);

    public Task<MappedMessage?> FindMessageByFrontIdAsync(string channelId, string messageId, CancellationToken cancellationToken = default) =>
        FindMessageAsync(channelId, IdMapKeys.FrontMessage(messageId), cancellationToken);

    /// <summary>
    /// A message row, then its conversation resolved to the survivor with its external ids: two reads, one after the other.
    /// When this instance answered the same row before, both are read at once: the conversation row it pointed at then is
    /// read beside the message row, and used only if the message row is still that very version (same ETag) — it was so
    /// before this lookup began, so the two reads are one consistent state, as reading them in turn would be. A row changed
    /// since (a merge repoints it) or a conversation merged away since falls back to the reads in turn.
    /// </summary>
    private async Task<MappedMessage?> FindMessageAsync(string channelId, string rowKey, CancellationToken cancellationToken)
    {
        ValidateChannel(channelId);
        Task<ConversationEntity?>? speculative = null;
        if (_answered.TryGet((channelId, rowKey), out var seen))
        {
            speculative = GetAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(seen.ConversationId), cancellationToken);
        }

        MessageEntity? row;
        try
        {
            row = await GetAsync<MessageEntity>(channelId, rowKey, cancellationToken).ConfigureAwait(false);
        }
        catch when (speculative is not null)
        {
            await SpeculativeRead.ObserveAsync(speculative).ConfigureAwait(false);
            throw;
        }

        var conversationId = row?.ConversationId ?? "";
        if (speculative is not null && row is not null && row.ETag == seen.ETag && string.Equals(conversationId, seen.ConversationId, StringComparison.Ordinal))
        {
            var conversation = await speculative.ConfigureAwait(false);
            if (conversation is null or { MergedInto: null or "" })
            {
                return new MappedMessage(channelId, row.MessageId ?? "", NullIfEmpty(row.ExternalId), conversationId, conversation?.GetIds() ?? [], NullIfEmpty(row.MessageUid));
            }
        }
        else if (speculative is not null)
        {
            await SpeculativeRead.ObserveAsync(speculative).ConfigureAwait(false);
        }

        if (row is null)
        {
            _answered.Forget((channelId, rowKey));
            return null;
        }

        if (conversationId.Length > 0)
        {
            _answered.Remember((channelId, rowKey), (row.ETag, conversationId));
        }

        return await ToMappedMessageAsync(channelId, row, cancellationToken).ConfigureAwait(false);
    }

    public async Task<MappedConversation?> FindConversationByExternalIdAsync(string channelId, string externalConversationId, CancellationToken cancellationToken = default)
    {
        var row = await GetAsync<ExternalConversationEntity>(channelId, IdMapKeys.ExternalConversation(externalConversationId), cancellationToken).ConfigureAwait(false);
        if (row?.ConversationId is not { Length: > 0 } conversationId)
        {
            return null;
        }

        var (survivor, state) = await ResolveCoreAsync(channelId, conversationId, completeMoves: false, 0, cancellationToken).ConfigureAwait(false);
        var ids = state?.ExternalConversationIds ?? [];
        if (!ids.Contains(externalConversationId, StringComparer.Ordinal))
        {
            ids = [.. ids, externalConversationId];
        }

        return new MappedConversation(channelId, survivor, ids);
    }

    public async Task<MappedConversation?> FindConversationByFrontIdAsync(string channelId, string conversationId, CancellationToken cancellationToken = default)
    {
        var (survivor, state) = await ResolveCoreAsync(channelId, conversationId, completeMoves: false, 0, cancellationToken).ConfigureAwait(false);
        return state is null ? null : new MappedConversation(channelId, survivor, state.ExternalConversationIds);
    }

    // ---------------------------------------------------------------- reads for enrichment

    /// <summary>The <c>fc|</c> row of exactly this conversation (no merge resolution), or null.</summary>
    public async Task<ConversationRow?> GetConversationRowAsync(string channelId, string conversationId, CancellationToken cancellationToken = default) =>
        (await GetAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(conversationId), cancellationToken).ConfigureAwait(false))?.ToRow() is { } row
            ? row with { ConversationId = conversationId }
            : null;

    /// <summary>
    /// The surviving conversation of <paramref name="conversationId"/> (itself when not known to be merged) and its row.
    /// A merge on the way whose move was interrupted (<see cref="ConversationRow.MovePending"/>) is completed first.
    /// </summary>
    public Task<(string ConversationId, ConversationRow? Row)> ResolveAsync(string channelId, string conversationId, CancellationToken cancellationToken = default) =>
        ResolveCoreAsync(channelId, conversationId, completeMoves: true, 0, cancellationToken);

    private async Task<(string ConversationId, ConversationRow? Row)> ResolveCoreAsync(
        string channelId, string conversationId, bool completeMoves, int depth, CancellationToken cancellationToken)
    {
        var current = conversationId;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        ConversationRow? row = null;
        for (var hop = 0; hop < MaxMergeHops && seen.Add(current); hop++)
        {
            row = await GetConversationRowAsync(channelId, current, cancellationToken).ConfigureAwait(false);
            if (row?.MergedInto is not { Length: > 0 } next || seen.Contains(next))
            {
                if (completeMoves && row?.MovesIn is { Count: > 0 } movesIn && depth < MaxMergeHops)
                {
                    // Moves into this survivor that were interrupted: finish them, then read the row again.
                    foreach (var moving in movesIn)
                    {
                        if (!await CompleteMoveAsync(channelId, moving, depth + 1, cancellationToken).ConfigureAwait(false))
                        {
                            await ForgetMoveInAsync(channelId, current, moving, cancellationToken).ConfigureAwait(false); // undone since
                        }
                    }

                    return await ResolveCoreAsync(channelId, current, completeMoves: false, depth + 1, cancellationToken).ConfigureAwait(false);
                }

                return (current, row);
            }

            if (completeMoves && row.MovePending && depth < MaxMergeHops)
            {
                await CompleteMoveAsync(channelId, current, depth + 1, cancellationToken).ConfigureAwait(false);
            }

            current = next;
        }

        return (current, row);
    }

    /// <summary>The <c>fm|</c> row of a Front message, or null.</summary>
    public async Task<MessageRow?> GetMessageRowAsync(string channelId, string messageId, CancellationToken cancellationToken = default)
    {
        var entity = await GetAsync<MessageEntity>(channelId, IdMapKeys.FrontMessage(messageId), cancellationToken).ConfigureAwait(false);
        return entity is null ? null : new MessageRow(messageId, NullIfEmpty(entity.ExternalId), entity.ConversationId ?? "", NullIfEmpty(entity.MessageUid));
    }

    // ---------------------------------------------------------------- writes

    /// <summary>
    /// Records that <paramref name="conversationId"/> carries <paramref name="externalConversationIds"/> (from a notification or
    /// from Front), following the merge rules; refreshes the survivor's <c>RefreshedAt</c>.
    /// </summary>
    public async Task<ConversationUpdate> RecordConversationAsync(
        string channelId, string conversationId, IReadOnlyCollection<string> externalConversationIds, CancellationToken cancellationToken = default)
    {
        ValidateChannel(channelId);
        var ids = externalConversationIds.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToList();
        var (survivor, row) = await ResolveAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false);

        // The common case: the survivor already lists every id (so each was claimed for it, or moved to it by a move that
        // is complete: no MovesIn, see CompleteMoveAsync) and was confirmed less than a minute ago. Nothing to write: the
        // row read is the answer.
        if (row is { MergedInto: null, MovesIn: null or { Count: 0 } } && ids.All(id => row.ExternalConversationIds.Contains(id, StringComparer.Ordinal))
            && !MergeRules.RefreshDue(refresh: true, changed: false, row.RefreshedAt, _time.GetUtcNow()))
        {
            _settled.Remember(channelId, survivor, row.ExternalConversationIds);
            return new ConversationUpdate(survivor, row.ExternalConversationIds, []);
        }

        var accepted = new List<string>();
        var unresolved = new List<string>();
        foreach (var externalId in ids)
        {
            var claim = await ClaimExternalConversationAsync(channelId, externalId, survivor, cancellationToken).ConfigureAwait(false);
            if (claim is null)
            {
                accepted.Add(externalId);
                continue;
            }

            // Another conversation holds the id. Rule 3(b): a merge is inferred only when this notification lists ALL of its ids.
            var (other, otherRow) = await ResolveAsync(channelId, claim, cancellationToken).ConfigureAwait(false);
            if (string.Equals(other, survivor, StringComparison.Ordinal))
            {
                await RepointExternalConversationAsync(channelId, externalId, survivor, onlyFrom: null, cancellationToken).ConfigureAwait(false);
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

        var (final, list) = await AddExternalIdsAsync(channelId, survivor, accepted, refresh: true, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(final, survivor, StringComparison.Ordinal))
        {
            // The survivor was merged away meanwhile (the list write was forwarded): the ids claimed for it follow.
            foreach (var externalId in accepted)
            {
                await RepointExternalConversationAsync(channelId, externalId, final, onlyFrom: survivor, cancellationToken).ConfigureAwait(false);
            }
        }

        return new ConversationUpdate(final, list, unresolved);
    }

    /// <summary>
    /// Records that <paramref name="mergedId"/> was merged into <paramref name="survivorId"/> (rule 4): marks it, moves its
    /// external ids to the survivor and repoints every row that pointed at it.
    /// </summary>
    public async Task RecordMergeAsync(string channelId, string mergedId, string survivorId, bool confirmedByFront, CancellationToken cancellationToken = default)
    {
        ValidateChannel(channelId);
        if (string.Equals(mergedId, survivorId, StringComparison.Ordinal))
        {
            return;
        }

        if (confirmedByFront)
        {
            // A confirmed merge overrides an inferred one in the other direction.
            await _rows.MutateAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(survivorId), existing =>
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
            var (end, _) = await ResolveAsync(channelId, survivorId, cancellationToken).ConfigureAwait(false);
            if (string.Equals(end, mergedId, StringComparison.Ordinal))
            {
                return;
            }
        }

        await _rows.MutateAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(mergedId), existing =>
        {
            var entity = existing ?? New<ConversationEntity>(channelId, IdMapKeys.FrontConversation(mergedId));
            switch (MergeRules.DecideMark(entity.MergedInto, entity.MergeConfirmed, survivorId, confirmedByFront))
            {
                case MergeRules.MarkDecision.Confirm:
                    entity.MergeConfirmed = true;
                    return entity;
                case MergeRules.MarkDecision.Mark:
                    // The mark and the list that moves are one row version: a list write after it is forwarded to the survivor
                    // (AddExternalIdsAsync), one before it is in the list the move copies. MovePending stays until the move is
                    // done, so a crash in between is finished by the next write that resolves through this row.
                    entity.ConversationId = mergedId;
                    entity.MergedInto = survivorId;
                    entity.MergeConfirmed = confirmedByFront;
                    entity.MovePending = true;
                    return entity;
                default:
                    return null;
            }
        }, cancellationToken).ConfigureAwait(false);

        _settled.Forget(channelId, mergedId); // after the mark: whatever was remembered of it before or meanwhile is stale
        await CompleteMoveAsync(channelId, mergedId, 0, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves a merged-away conversation to its final survivor: its external ids are added there, every row pointing at it
    /// is repointed, then <c>MovePending</c> and the survivor's <c>MovesIn</c> entry are cleared. Re-runnable: each step is
    /// idempotent. False when there is no merge to move (not recorded, or undone by a confirmed reverse merge).
    /// </summary>
    private async Task<bool> CompleteMoveAsync(string channelId, string mergedId, int depth, CancellationToken cancellationToken)
    {
        var merged = await GetConversationRowAsync(channelId, mergedId, cancellationToken).ConfigureAwait(false);
        if (merged?.MergedInto is not { Length: > 0 } target)
        {
            return false;
        }

        var (finalSurvivor, _) = await ResolveCoreAsync(channelId, mergedId, completeMoves: false, depth, cancellationToken).ConfigureAwait(false);
        if (string.Equals(finalSurvivor, mergedId, StringComparison.Ordinal))
        {
            return false; // the merge was not recorded (a cycle would have formed)
        }

        // The survivor gains every external id of what was merged into it first (so lookups of rows not repointed yet, which
        // resolve through the mark, answer the full list), with MovesIn naming this move until it is complete: a survivor
        // whose list holds an id and has no MovesIn has had that id's rows repointed (RecordConversationAsync relies on it).
        var (survivor, _) = await AddExternalIdsAsync(channelId, finalSurvivor, merged.ExternalConversationIds, refresh: false, cancellationToken, movingIn: mergedId).ConfigureAwait(false);

        // Repoint every row that points at the merged-away conversation. Not a point query: merges are rare, and the scan
        // is confined to the channel's partition.
        await foreach (var row in _rows.Table.QueryAsync<ExternalConversationEntity>(
            e => e.PartitionKey == channelId && e.ConversationId == mergedId, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (IdMapKeys.IsFrontConversation(row.RowKey))
            {
                continue;
            }

            if (IdMapKeys.IsExternalConversation(row.RowKey))
            {
                if (row.ExternalConversationId is { Length: > 0 } x)
                {
                    (survivor, _) = await AddExternalIdsAsync(channelId, survivor, [x], refresh: false, cancellationToken, movingIn: mergedId).ConfigureAwait(false);
                }

                await RepointExternalConversationAsync(channelId, row.ExternalConversationId ?? "", survivor, onlyFrom: mergedId, cancellationToken, row.RowKey).ConfigureAwait(false);
            }
            else
            {
                var to = survivor;
                await _rows.MutateAsync<MessageEntity>(channelId, row.RowKey, existing =>
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
            await _rows.MutateAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(mergedId), existing =>
            {
                if (existing?.MovePending != true || !string.Equals(existing.MergedInto, target, StringComparison.Ordinal))
                {
                    return null;
                }

                existing.MovePending = false;
                return existing;
            }, cancellationToken).ConfigureAwait(false);
        }

        await ForgetMoveInAsync(channelId, survivor, mergedId, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private Task ForgetMoveInAsync(string channelId, string survivorId, string mergedId, CancellationToken cancellationToken) =>
        _rows.MutateAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(survivorId), existing =>
        {
            var moves = existing?.GetMovesIn() ?? [];
            if (existing is null || !moves.Remove(mergedId))
            {
                return null;
            }

            existing.SetMovesIn(moves);
            return existing;
        }, cancellationToken);

    /// <summary>
    /// Records a Front message (rule 5): <c>fm|</c> always, <c>xm|</c> when the external id is known, and returns the
    /// conversation the rows point at with its external ids. The conversation is resolved to its survivor first, unless
    /// <paramref name="conversationIsResolved"/> says the caller just did (its <c>fc|</c> row exists and was not merged away).
    /// </summary>
    /// <remarks>
    /// The common case is two round trips: both rows inserted at once (an existing row, a duplicate, falls back to
    /// read-decide-write), then one read of the conversation row. That read closes the race with a merge: rows written
    /// before the merge's mark are found by its scan; a mark before the read is seen here and the rows follow the merge.
    /// </remarks>
    public async Task<MappedConversation> RecordMessageAsync(
        string channelId, string messageId, string conversationId, string? externalId, string? messageUid,
        CancellationToken cancellationToken = default, bool conversationIsResolved = false)
    {
        ValidateChannel(channelId);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        var survivor = conversationId;
        if (!conversationIsResolved)
        {
            (survivor, _) = await ResolveAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false);
        }

        externalId = NullIfEmpty(externalId);
        messageUid = NullIfEmpty(messageUid);
        for (var hop = 0; ; hop++)
        {
            await WriteMessageRowsAsync(channelId, messageId, survivor, externalId, messageUid, cancellationToken).ConfigureAwait(false);

            var row = await GetAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(survivor), cancellationToken).ConfigureAwait(false);
            if (row is { MergedInto: null or "" })
            {
                var list = row.GetIds();
                if (row.GetMovesIn().Count == 0)
                {
                    _settled.Remember(channelId, survivor, list);
                }

                return new MappedConversation(channelId, survivor, list);
            }

            // Missing (the conversation row exists for every conversation that has messages, so lookups by Front id find
            // it), or merged away meanwhile (the write is forwarded to the survivor, and the rows follow).
            var (final, ids) = await AddExternalIdsAsync(channelId, survivor, [], refresh: false, cancellationToken).ConfigureAwait(false);
            if (string.Equals(final, survivor, StringComparison.Ordinal) || hop >= MaxMergeHops)
            {
                return new MappedConversation(channelId, final, ids);
            }

            survivor = final;
        }
    }

    /// <summary>
    /// The common message in one round trip less: when this instance last saw <paramref name="conversationId"/> settled (a
    /// survivor, no move into it pending) and listing every one of <paramref name="externalConversationIds"/>, the message
    /// rows are written pointing at it straight away and the conversation row is read once, after them. When that read
    /// shows the conversation still settled, listing the ids, with no refresh due — exactly the state in which
    /// <see cref="RecordConversationAsync"/> writes nothing — the rows are right and that read is the answer (it closes the
    /// race with a merge as <see cref="RecordMessageAsync"/>'s read does). Otherwise null: the caller runs the full path
    /// (record the conversation, then the message), which is idempotent and moves the rows on (rule 5) if they must move.
    /// Rows written here point at a conversation whose row exists and lists the ids, so a lookup in between answers what
    /// the full path would have (a merge since is followed through <c>MergedInto</c>).
    /// </summary>
    /// <summary>Whether <see cref="TryRecordMessageInSettledConversationAsync"/> would try (this instance saw the conversation settled with those ids).</summary>
    public bool IsSettledHere(string channelId, string conversationId, IReadOnlyCollection<string> externalConversationIds) =>
        externalConversationIds.Count > 0 && _settled.Lists(channelId, conversationId, externalConversationIds);

    public async Task<MappedConversation?> TryRecordMessageInSettledConversationAsync(
        string channelId, string messageId, string conversationId, IReadOnlyCollection<string> externalConversationIds,
        string? externalId, string? messageUid, CancellationToken cancellationToken = default)
    {
        ValidateChannel(channelId);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        var ids = externalConversationIds.Where(id => !string.IsNullOrEmpty(id)).ToList();
        if (ids.Count == 0 || !_settled.Lists(channelId, conversationId, ids))
        {
            return null;
        }

        await WriteMessageRowsAsync(channelId, messageId, conversationId, NullIfEmpty(externalId), NullIfEmpty(messageUid), cancellationToken).ConfigureAwait(false);
        var row = (await GetAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(conversationId), cancellationToken).ConfigureAwait(false))?.ToRow();
        if (row is { MergedInto: null, MovesIn.Count: 0 } && ids.All(id => row.ExternalConversationIds.Contains(id, StringComparer.Ordinal))
            && !MergeRules.RefreshDue(refresh: true, changed: false, row.RefreshedAt, _time.GetUtcNow()))
        {
            _settled.Remember(channelId, conversationId, row.ExternalConversationIds);
            return new MappedConversation(channelId, conversationId, row.ExternalConversationIds);
        }

        _settled.Forget(channelId, conversationId);
        return null;
    }

    /// <summary>
    /// The external conversation id to answer for a message Front sends in <paramref name="conversationId"/> (a teammate's
    /// reply): an id the surviving conversation already carries (the partner's own before a minted one:
    /// <see cref="MergeRules.PreferredExternalConversationId"/>), else <paramref name="mint"/>(survivor), recorded for
    /// it. The minted id is recorded insert-once: the <c>fc|</c> row is created with <c>AddEntity</c> (409 when another
    /// writer got there first) or updated with If-Match (412), and a writer that finds ids already there keeps them and
    /// answers the first; so two replies racing in a new conversation answer the same id. Returns the survivor and the id,
    /// once the id's <c>xc|</c> row is written too (see <see cref="BeginExternalConversationIdAsync"/>).
    /// </summary>
    /// <param name="mayWrite">Asked once before the first write (a mint); when it answers false nothing is written and the
    /// returned id is null (the caller refuses the message, e.g. its channel was deleted meanwhile).</param>
    public async Task<(string ConversationId, string? ExternalConversationId)> EnsureExternalConversationIdAsync(
        string channelId, string conversationId, Func<string, string> mint, CancellationToken cancellationToken = default,
        Func<Task<bool>>? mayWrite = null)
    {
        var answer = await BeginExternalConversationIdAsync(channelId, conversationId, mint, cancellationToken, mayWrite).ConfigureAwait(false);
        await answer.Recorded.ConfigureAwait(false);
        return (answer.ConversationId, answer.ExternalConversationId);
    }

    /// <summary>
    /// <see cref="EnsureExternalConversationIdAsync"/> for the answer path: returns as soon as the id is decided (the
    /// survivor's <c>fc|</c> row holds it), with <see cref="ExternalConversationAnswer.Recorded"/> still writing the id's
    /// <c>xc|</c> row (insert-first, idempotent) so the caller can write its own rows meanwhile. The caller must await
    /// <c>Recorded</c> before it answers. A conversation that already has ids costs one read, or none when this instance saw
    /// it settled less than <see cref="AnswerMemory"/> ago; a new one a read, an insert and the <c>xc|</c> insert. Whichever
    /// way the id was found, when it is a minted one <c>Recorded</c> inserts its <c>xc|</c> row if missing (one request,
    /// once per id and instance), so an id whose minting call died between its <c>fc|</c> and <c>xc|</c> writes is findable
    /// again by the time the next answer carrying it is given.
    /// </summary>
    public Task<ExternalConversationAnswer> BeginExternalConversationIdAsync(
        string channelId, string conversationId, Func<string, string> mint, CancellationToken cancellationToken = default,
        Func<Task<bool>>? mayWrite = null)
    {
        ValidateChannel(channelId);
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        if (_settled.TryGetRecent(channelId, conversationId, AnswerMemory, out var known))
        {
            // Seen settled here a moment ago: no read. Ids only move to a survivor, never leave it, so even if another
            // instance merged it away since, the id answered is one the survivor holds (the rows then point at the merged-away
            // conversation, which every read follows to the survivor, as after a merge during a read). A minted id answered
            // from memory is claimed too, unless this instance already wrote or found its xc| row (issue 19, point 8).
            var remembered = MergeRules.PreferredExternalConversationId(known);
            return Task.FromResult(new ExternalConversationAnswer(conversationId, remembered, ClaimAnsweredIdAsync(channelId, remembered, conversationId, cancellationToken)));
        }

        // Replies racing in one conversation on this instance share one decision: one read and at most one mint, instead of
        // each reading the row, trying the insert and reading it again after the 409. Instances are kept apart by the
        // storage protocol below. The shared work is not cancelled by one caller giving up (its writes are idempotent).
        var key = (channelId, conversationId);
        var mine = new TaskCompletionSource<ExternalConversationAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = _deciding.GetOrAdd(key, mine.Task);
        if (shared == mine.Task)
        {
            _ = DecideSharedAsync();
        }

        return shared.WaitAsync(cancellationToken);

        async Task DecideSharedAsync()
        {
            try
            {
                mine.SetResult(await DecideExternalConversationIdAsync(channelId, conversationId, mint, mayWrite).ConfigureAwait(false));
            }
            catch (Exception e)
            {
                mine.SetException(e);
            }
            finally
            {
                _deciding.TryRemove(new KeyValuePair<(string, string), Task<ExternalConversationAnswer>>(key, mine.Task));
            }
        }
    }

    private async Task<ExternalConversationAnswer> DecideExternalConversationIdAsync(
        string channelId, string conversationId, Func<string, string> mint, Func<Task<bool>>? mayWrite)
    {
        var cancellationToken = CancellationToken.None;
        for (var hop = 0; ; hop++)
        {
            var (survivor, row) = await ResolveAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false);
            if (row is { MergedInto: null } && row.ExternalConversationIds.Count > 0)
            {
                if (row.MovesIn is null or { Count: 0 })
                {
                    _settled.Remember(channelId, survivor, row.ExternalConversationIds);
                }

                // A minted id on fc| may lack its xc| row (a crash between the two writes of the call that minted it): this
                // answer claims it before the 200, so every id Front is given is findable (issue 19, point 8).
                var found = MergeRules.PreferredExternalConversationId(row.ExternalConversationIds);
                return new ExternalConversationAnswer(survivor, found, ClaimAnsweredIdAsync(channelId, found, survivor, cancellationToken));
            }

            if (mayWrite is not null && !await mayWrite().ConfigureAwait(false))
            {
                return new ExternalConversationAnswer(survivor, null, Task.CompletedTask);
            }

            mayWrite = null;
            var minted = mint(survivor);
            string? answer = null;
            string? forwardTo = null;
            IReadOnlyList<string>? decided = null;
            var key = IdMapKeys.FrontConversation(survivor);
            ConversationEntity? Decide(ConversationEntity? existing)
            {
                answer = null;
                forwardTo = null;
                decided = null;
                if (existing?.MergedInto is { Length: > 0 } next)
                {
                    forwardTo = next; // merged away meanwhile: the survivor's id is the answer
                    return null;
                }

                var list = existing?.GetIds() ?? [];
                decided = existing?.GetMovesIn() is null or { Count: 0 } ? list : null;
                if (list.Count > 0)
                {
                    answer = MergeRules.PreferredExternalConversationId(list); // someone else recorded an id first: keep it
                    return null;
                }

                var entity = existing ?? New<ConversationEntity>(channelId, key);
                entity.ConversationId = survivor;
                entity.SetIds([minted]);
                answer = minted;
                decided = [minted];
                return entity;
            }

            if (row is null)
            {
                // No row was there a moment ago: insert it (a 409 means another writer was first: read and decide again),
                // instead of reading the row just read.
                var fresh = Decide(null)!;
                await _rows.InsertFirstAsync(fresh, existing => ValueTask.FromResult(Decide(existing)), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _rows.MutateAsync<ConversationEntity>(channelId, key, Decide, cancellationToken).ConfigureAwait(false);
            }

            if (answer is not null)
            {
                if (decided is not null)
                {
                    _settled.Remember(channelId, survivor, decided);
                }

                // The xc| row makes the id findable (and threads imports); claiming is idempotent.
                var claim = IsMinted(answer)
                    ? ClaimAnsweredIdAsync(channelId, answer, survivor, cancellationToken)
                    : ClaimExternalConversationAsync(channelId, answer, survivor, cancellationToken, insertFirst: true);
                return new ExternalConversationAnswer(survivor, answer, claim);
            }

            if (forwardTo is null || hop >= MaxMergeHops)
            {
                throw new InvalidOperationException($"Conversation {survivor} could not be given an external conversation id.");
            }

            conversationId = forwardTo;
        }
    }

    /// <summary>
    /// Records a message Front sent (a teammate's reply, on the answer path): its <c>fm|</c> and <c>xm|</c> rows, inserted
    /// together in one request (an entity group transaction; when either exists already, a redelivery, nothing is written
    /// and each row goes through read-decide-write as <see cref="RecordMessageAsync"/> writes it), pointing at
    /// <paramref name="survivor"/> (the conversation the caller just resolved). Unlike
    /// <see cref="RecordMessageAsync"/> it does not read the conversation row again afterwards: a merge marked between the
    /// caller's read and these inserts, whose move scans the partition before they land, leaves them pointing at the
    /// merged-away conversation. That is still a right answer: every read resolves a message's conversation through
    /// <c>MergedInto</c> (lookups answer the survivor and its ids), and a later write of the message moves it.
    /// </summary>
    public Task RecordSentMessageAsync(string channelId, string messageId, string survivor, string externalId, CancellationToken cancellationToken = default)
    {
        ValidateChannel(channelId);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(survivor);
        ArgumentException.ThrowIfNullOrEmpty(externalId);
        return RecordSentMessageCoreAsync(channelId, messageId, survivor, externalId, cancellationToken);
    }

    private async Task RecordSentMessageCoreAsync(string channelId, string messageId, string survivor, string externalId, CancellationToken cancellationToken)
    {
        MessageEntity[] rows =
        [
            new() { PartitionKey = channelId, RowKey = IdMapKeys.FrontMessage(messageId), MessageId = messageId, ExternalId = externalId, ConversationId = survivor },
            new() { PartitionKey = channelId, RowKey = IdMapKeys.ExternalMessage(externalId), MessageId = messageId, ExternalId = externalId, ConversationId = survivor },
        ];
        if (!await _rows.InsertAllAsync(rows, cancellationToken).ConfigureAwait(false))
        {
            await WriteMessageRowsAsync(channelId, messageId, survivor, externalId, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records a message that has no Front message id (an auto-reply Front sent without one): only its <c>xm|</c> row,
    /// pointing at the surviving conversation. Insert-once: an existing row keeps what it holds.
    /// </summary>
    public async Task RecordExternalOnlyMessageAsync(string channelId, string externalId, string conversationId, CancellationToken cancellationToken = default)
    {
        ValidateChannel(channelId);
        ArgumentException.ThrowIfNullOrEmpty(externalId);
        var key = IdMapKeys.ExternalMessage(externalId);
        await _rows.InsertFirstAsync(
            new MessageEntity { PartitionKey = channelId, RowKey = key, ExternalId = externalId, ConversationId = conversationId },
            _ => ValueTask.FromResult<MessageEntity?>(null),
            cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteMessageRowsAsync(string channelId, string messageId, string survivor, string? externalId, string? messageUid, CancellationToken cancellationToken)
    {
        var frontKey = IdMapKeys.FrontMessage(messageId);
        var front = _rows.InsertFirstAsync(
            new MessageEntity { PartitionKey = channelId, RowKey = frontKey, MessageId = messageId, ExternalId = externalId, MessageUid = messageUid, ConversationId = survivor },
            async existing =>
            {
                var entity = existing ?? New<MessageEntity>(channelId, frontKey);
                var changed = existing is null;
                entity.MessageId = messageId;
                changed |= FillOnce(entity.ExternalId, externalId, v => entity.ExternalId = v);
                changed |= FillOnce(entity.MessageUid, messageUid, v => entity.MessageUid = v);
                changed |= await MoveConversationAsync(entity, survivor, cancellationToken).ConfigureAwait(false);
                return changed ? entity : null;
            },
            cancellationToken);

        if (externalId is null)
        {
            await front.ConfigureAwait(false);
            return;
        }

        var externalKey = IdMapKeys.ExternalMessage(externalId);
        var external = _rows.InsertFirstAsync(
            new MessageEntity { PartitionKey = channelId, RowKey = externalKey, MessageId = messageId, ExternalId = externalId, MessageUid = messageUid, ConversationId = survivor },
            async existing =>
            {
                if (existing is not null && !MergeRules.KeepsExternalMessage(existing.MessageId, messageId))
                {
                    return null; // insert-once: the external id stays with the first Front message recorded for it
                }

                var entity = existing ?? New<MessageEntity>(channelId, externalKey);
                var changed = existing is null;
                entity.ExternalId = externalId;
                entity.MessageId = messageId;
                changed |= FillOnce(entity.MessageUid, messageUid, v => entity.MessageUid = v);
                changed |= await MoveConversationAsync(entity, survivor, cancellationToken).ConfigureAwait(false);
                return changed ? entity : null;
            },
            cancellationToken);

        await Task.WhenAll(front, external).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- rules, one row at a time

    /// <summary>Maps <paramref name="externalId"/> to <paramref name="conversationId"/> if free or already so; else returns the holder.</summary>
    /// <param name="insertFirst">The row is probably new (a minted id): insert it at once, reading only on a 409.</param>
    private async Task<string?> ClaimExternalConversationAsync(string channelId, string externalId, string conversationId, CancellationToken cancellationToken, bool insertFirst = false)
    {
        string? holder = null;
        var key = IdMapKeys.ExternalConversation(externalId);
        if (insertFirst)
        {
            var fresh = New<ExternalConversationEntity>(channelId, key);
            fresh.ExternalConversationId = externalId;
            fresh.ConversationId = conversationId;
            await _rows.InsertFirstAsync(fresh, existing => ValueTask.FromResult(existing is null ? fresh : ClaimDecision(existing)), cancellationToken).ConfigureAwait(false);
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

        await _rows.MutateAsync<ExternalConversationEntity>(channelId, key, existing =>
        {
            holder = null;
            if (existing is null)
            {
                var entity = New<ExternalConversationEntity>(channelId, key);
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

    private static bool IsMinted(string externalConversationId) =>
        externalConversationId.StartsWith(MergeRules.MintedIdPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Before an answer carries <paramref name="externalId"/>: when it is a minted id (<c>front:…</c>, whose <c>fc|</c> entry is
    /// written before its <c>xc|</c> row), its <c>xc|</c> row is inserted pointing at <paramref name="conversationId"/>,
    /// insert-once: a row already there is kept (it points at this conversation or at the survivor a merge moved it to), so
    /// one request, idempotent, and none once this instance has written or found it. Partner ids need nothing: their
    /// <c>xc|</c> row is claimed before they are added to a conversation (<see cref="RecordConversationAsync"/>).
    /// </summary>
    private Task ClaimAnsweredIdAsync(string channelId, string? externalId, string conversationId, CancellationToken cancellationToken)
    {
        if (externalId is null || !IsMinted(externalId) || _claimed.TryGet((channelId, externalId), out _))
        {
            return Task.CompletedTask;
        }

        return ClaimCoreAsync();

        async Task ClaimCoreAsync()
        {
            var row = New<ExternalConversationEntity>(channelId, IdMapKeys.ExternalConversation(externalId));
            row.ExternalConversationId = externalId;
            row.ConversationId = conversationId;
            await _rows.InsertIfMissingAsync(row, cancellationToken).ConfigureAwait(false);
            _claimed.Remember((channelId, externalId), true);
        }
    }

    /// <summary>Points <c>xc|</c> at <paramref name="survivor"/> (only when it points at <paramref name="onlyFrom"/>, if given).</summary>
    private Task RepointExternalConversationAsync(
        string channelId, string externalId, string survivor, string? onlyFrom, CancellationToken cancellationToken, string? rowKey = null)
    {
        var key = rowKey ?? IdMapKeys.ExternalConversation(externalId);
        return _rows.MutateAsync<ExternalConversationEntity>(channelId, key, existing =>
        {
            var entity = existing ?? New<ExternalConversationEntity>(channelId, key);
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
    /// written: the ids go to its survivor (forwarded along <c>MergedInto</c>). Returns the conversation written and its list.
    /// </summary>
    private async Task<(string ConversationId, IReadOnlyList<string> Ids)> AddExternalIdsAsync(
        string channelId, string conversationId, IReadOnlyCollection<string> ids, bool refresh, CancellationToken cancellationToken, string? movingIn = null)
    {
        var target = conversationId;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            seen.Add(target);
            IReadOnlyList<string> result = [];
            string? forwardTo = null;
            var settled = false;
            var current = target;
            var key = IdMapKeys.FrontConversation(current);
            await _rows.MutateAsync<ConversationEntity>(channelId, key, existing =>
            {
                forwardTo = null;
                if (existing?.MergedInto is { Length: > 0 } next && !seen.Contains(next) && seen.Count < MaxMergeHops)
                {
                    forwardTo = next;
                    return null;
                }

                var entity = existing ?? New<ConversationEntity>(channelId, key);
                var list = entity.GetIds();
                var changed = MergeRules.AddIds(list, ids) | (existing is null);
                result = list;
                entity.ConversationId = current;
                entity.SetIds(list);
                if (movingIn is not null && entity.GetMovesIn() is var moves && !moves.Contains(movingIn, StringComparer.Ordinal))
                {
                    moves.Add(movingIn);
                    entity.SetMovesIn(moves);
                    changed = true;
                }

                var now = _time.GetUtcNow();
                if (MergeRules.RefreshDue(refresh, changed, entity.RefreshedAt, now))
                {
                    entity.RefreshedAt = now;
                    changed = true;
                }

                settled = entity.GetMovesIn().Count == 0;
                return changed ? entity : null;
            }, cancellationToken).ConfigureAwait(false);

            if (forwardTo is null)
            {
                if (settled)
                {
                    _settled.Remember(channelId, current, result);
                }
                else
                {
                    _settled.Forget(channelId, current);
                }

                return (current, result);
            }

            _settled.Forget(channelId, current);

            target = forwardTo;
        }
    }

    private static bool FillOnce(string? current, string? value, Action<string> set)
    {
        if (!MergeRules.FillsOnce(current, value))
        {
            return false;
        }

        set(value!);
        return true;
    }

    /// <summary>A message row's conversation moves only to the survivor of the one it holds (the caller resolved it).</summary>
    private async Task<bool> MoveConversationAsync(MessageEntity entity, string survivor, CancellationToken cancellationToken)
    {
        var current = entity.ConversationId;
        if (string.Equals(current, survivor, StringComparison.Ordinal))
        {
            return false;
        }

        string? resolved = null;
        if (current is { Length: > 0 })
        {
            (resolved, _) = await ResolveAsync(entity.PartitionKey, current, cancellationToken).ConfigureAwait(false);
        }

        if (!MergeRules.MovesConversation(current, resolved, survivor))
        {
            return false;
        }

        entity.ConversationId = survivor;
        return true;
    }

    // ---------------------------------------------------------------- storage plumbing

    private Task<T?> GetAsync<T>(string channelId, string rowKey, CancellationToken cancellationToken) where T : class, ITableEntity, new()
    {
        ValidateChannel(channelId);
        return _rows.GetAsync<T>(channelId, rowKey, cancellationToken);
    }

    private async Task<MappedMessage> ToMappedMessageAsync(string channelId, MessageEntity row, CancellationToken cancellationToken)
    {
        var conversationId = row.ConversationId ?? "";
        var (survivor, state) = conversationId.Length > 0
            ? await ResolveCoreAsync(channelId, conversationId, completeMoves: false, 0, cancellationToken).ConfigureAwait(false)
            : (conversationId, null);
        return new MappedMessage(channelId, row.MessageId ?? "", NullIfEmpty(row.ExternalId), survivor, state?.ExternalConversationIds ?? [], NullIfEmpty(row.MessageUid));
    }

    private static T New<T>(string channelId, string rowKey) where T : IdMapEntity, new() => new() { PartitionKey = channelId, RowKey = rowKey };

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static void ValidateChannel(string channelId)
    {
        if (!FrontIds.IsChannelId(channelId))
        {
            throw new ArgumentException("The channel id must be a Front channel id (cha_…); it is the id map's partition key.", nameof(channelId));
        }
    }
}
