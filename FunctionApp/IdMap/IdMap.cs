using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using FrontFunctions.Front;
using FrontFunctions.Storage;

namespace FrontFunctions.IdMap;

/// <summary>
/// The id map: external ids ↔ Front ids, in table <c>FrontIdMap</c>.
///
/// <para><b>Layout.</b> PartitionKey = channel id (channels never see each other's rows; a channel's map is one partition,
/// ~2,000 writes/s, far above Front's rate limits). Every lookup is a point query (PartitionKey + RowKey). Row keys carry
/// a kind prefix and a <see cref="TableKeyEncoding"/>-encoded id:</para>
/// <list type="table">
/// <item><term><c>xm|{external message id}</c></term><description>ExternalId, MessageId, ConversationId, MessageUid</description></item>
/// <item><term><c>fm|{Front message id}</c></term><description>MessageId, ExternalId (absent when unknown), ConversationId, MessageUid</description></item>
/// <item><term><c>xc|{external conversation id}</c></term><description>ExternalConversationId, ConversationId</description></item>
/// <item><term><c>fc|{Front conversation id}</c></term><description>ExternalConversationIds (JSON list), MergedInto (survivor, when
/// merged away), MergeConfirmed (true when Front's 301 said so), RefreshedAt (when the list was last seen in a notification or
/// from Front)</description></item>
/// </list>
///
/// <para><b>Merge rules.</b> Notifications arrive at least once, late and out of order (shared/front-channel-api.md); the rules
/// make every write idempotent and monotonic, so a replay or an older notification never undoes a newer state:</para>
/// <list type="number">
/// <item>External conversation ids are only ever ADDED to a conversation's list (a union), never removed.</item>
/// <item>Writes go to the survivor: a conversation id is first resolved through <c>MergedInto</c> (cycle-guarded), so an
/// older notification for a merged-away conversation lands on the survivor, not on the dead conversation.</item>
/// <item>A merge is learnt (a) from Front: <c>GET /conversations/{old}</c> answered 301 to the survivor (confirmed), or
/// (b) inferred from a notification: conversation S lists every external id currently mapped to another conversation O
/// (Front gives the survivor all the ids of what was merged into it). A notification that lists only SOME of O's ids is
/// not evidence (it can be an old notification of S from before S was merged into O): the ids stay with O and O is reported
/// as an unresolved claim, for enrichment to settle with Front.</item>
/// <item>On a merge O → S: <c>fc|O</c> records <c>MergedInto = S</c>; O's external ids are added to S; every row pointing at O
/// (<c>xc|</c>, <c>xm|</c>, <c>fm|</c>) is repointed to S. A confirmed merge overrides an inferred one in the other direction
/// (S → O); an inferred merge never overrides a recorded one.</item>
/// <item>A message row's conversation only moves to the survivor of the conversation it holds; a message's external id and uid,
/// once known, never change; an external message id stays with the first Front message recorded for it (insert-once).</item>
/// <item>Every write is a single-entity operation with optimistic concurrency: <c>AddEntity</c> (409 = someone else inserted
/// first) or <c>UpdateEntity</c> with If-Match (412 = someone else changed it); on either the row is re-read and the rule
/// re-applied. No batches: Azurite ignores If-Match in batches (Azurite#1233).</item>
/// </list>
/// </summary>
public sealed class IdMap
{
    private const int MaxAttempts = 20;
    private const int MaxMergeHops = 16;
    private static readonly TimeSpan RefreshWriteInterval = TimeSpan.FromMinutes(1);
    private const string ExternalMessagePrefix = "xm|";
    private const string FrontMessagePrefix = "fm|";
    private const string ExternalConversationPrefix = "xc|";
    private const string FrontConversationPrefix = "fc|";

    private readonly TableClient _table;
    private readonly StorageInitializer _storage;
    private readonly TimeProvider _time;

    public IdMap(TableServiceClient tables, StorageInitializer storage, TimeProvider time)
    {
        _table = tables.GetTableClient(StorageNames.IdMapTable);
        _storage = storage;
        _time = time;
    }

    public static string ExternalMessageKey(string externalId) => ExternalMessagePrefix + TableKeyEncoding.Encode(externalId);
    public static string FrontMessageKey(string messageId) => FrontMessagePrefix + TableKeyEncoding.Encode(messageId);
    public static string ExternalConversationKey(string externalConversationId) => ExternalConversationPrefix + TableKeyEncoding.Encode(externalConversationId);
    public static string FrontConversationKey(string conversationId) => FrontConversationPrefix + TableKeyEncoding.Encode(conversationId);

    // ---------------------------------------------------------------- lookups (the lookup HTTP API)

    public async Task<MappedMessage?> FindMessageByExternalIdAsync(string channelId, string externalId, CancellationToken cancellationToken = default)
    {
        var row = await GetAsync(channelId, ExternalMessageKey(externalId), cancellationToken).ConfigureAwait(false);
        return row is null ? null : await ToMappedMessageAsync(channelId, row, cancellationToken).ConfigureAwait(false);
    }

    public async Task<MappedMessage?> FindMessageByFrontIdAsync(string channelId, string messageId, CancellationToken cancellationToken = default)
    {
        var row = await GetAsync(channelId, FrontMessageKey(messageId), cancellationToken).ConfigureAwait(false);
        return row is null ? null : await ToMappedMessageAsync(channelId, row, cancellationToken).ConfigureAwait(false);
    }

    public async Task<MappedConversation?> FindConversationByExternalIdAsync(string channelId, string externalConversationId, CancellationToken cancellationToken = default)
    {
        var row = await GetAsync(channelId, ExternalConversationKey(externalConversationId), cancellationToken).ConfigureAwait(false);
        if (row?.GetString("ConversationId") is not { Length: > 0 } conversationId)
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
    public async Task<ConversationRow?> GetConversationRowAsync(string channelId, string conversationId, CancellationToken cancellationToken = default)
    {
        var entity = await GetAsync(channelId, FrontConversationKey(conversationId), cancellationToken).ConfigureAwait(false);
        return entity is null ? null : ToConversationRow(conversationId, entity);
    }

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
        var entity = await GetAsync(channelId, FrontMessageKey(messageId), cancellationToken).ConfigureAwait(false);
        return entity is null ? null : new MessageRow(messageId, NullIfEmpty(entity.GetString("ExternalId")), entity.GetString("ConversationId") ?? "", NullIfEmpty(entity.GetString("MessageUid")));
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
        var (survivor, _) = await ResolveAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false);

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
            else if (otherRow is { ExternalConversationIds.Count: > 0 } && otherRow.ExternalConversationIds.All(ids.Contains))
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
            await MutateAsync(channelId, FrontConversationKey(survivorId), existing =>
            {
                if (existing is null || !string.Equals(existing.GetString("MergedInto"), mergedId, StringComparison.Ordinal))
                {
                    return null;
                }

                existing.Remove("MergedInto");
                existing["MergeConfirmed"] = false;
                existing["MovePending"] = false;
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

        await MutateAsync(channelId, FrontConversationKey(mergedId), existing =>
        {
            var entity = existing ?? NewEntity(channelId, FrontConversationKey(mergedId));
            var current = entity.GetString("MergedInto");
            if (string.Equals(current, survivorId, StringComparison.Ordinal))
            {
                if (confirmedByFront && entity.GetBoolean("MergeConfirmed") != true)
                {
                    entity["MergeConfirmed"] = true;
                    return entity;
                }

                return null;
            }

            if (current is { Length: > 0 } && !(confirmedByFront && entity.GetBoolean("MergeConfirmed") != true))
            {
                return null; // rule 4: an inferred merge never overrides a recorded one; a confirmed one is not overridden either
            }

            // The mark and the list that moves are one row version: a list write after it is forwarded to the survivor
            // (AddExternalIdsAsync), one before it is in the list the move copies. MovePending stays until the move is done,
            // so a crash in between is finished by the next write that resolves through this row.
            entity["ConversationId"] = mergedId;
            entity["MergedInto"] = survivorId;
            entity["MergeConfirmed"] = confirmedByFront;
            entity["MovePending"] = true;
            return entity;
        }, cancellationToken).ConfigureAwait(false);

        await CompleteMoveAsync(channelId, mergedId, 0, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves a merged-away conversation to its final survivor: its external ids are added there, every row pointing at it
    /// is repointed, then <c>MovePending</c> is cleared. Re-runnable: each step is idempotent.
    /// </summary>
    private async Task CompleteMoveAsync(string channelId, string mergedId, int depth, CancellationToken cancellationToken)
    {
        var merged = await GetConversationRowAsync(channelId, mergedId, cancellationToken).ConfigureAwait(false);
        if (merged?.MergedInto is not { Length: > 0 } target)
        {
            return;
        }

        var (finalSurvivor, _) = await ResolveCoreAsync(channelId, mergedId, completeMoves: false, depth, cancellationToken).ConfigureAwait(false);
        if (string.Equals(finalSurvivor, mergedId, StringComparison.Ordinal))
        {
            return; // the merge was not recorded (a cycle would have formed)
        }

        // The survivor gains every external id of what was merged into it.
        (finalSurvivor, _) = await AddExternalIdsAsync(channelId, finalSurvivor, merged.ExternalConversationIds, refresh: false, cancellationToken).ConfigureAwait(false);

        // Repoint every row that points at the merged-away conversation. Not a point query: merges are rare, and the scan
        // is confined to the channel's partition.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {channelId} and ConversationId eq {mergedId}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey.StartsWith(FrontConversationPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            await MutateAsync(channelId, row.RowKey, existing =>
            {
                if (existing is null || !string.Equals(existing.GetString("ConversationId"), mergedId, StringComparison.Ordinal))
                {
                    return null;
                }

                existing["ConversationId"] = finalSurvivor;
                return existing;
            }, cancellationToken).ConfigureAwait(false);

            if (row.RowKey.StartsWith(ExternalConversationPrefix, StringComparison.Ordinal) && row.GetString("ExternalConversationId") is { Length: > 0 } x)
            {
                await AddExternalIdsAsync(channelId, finalSurvivor, [x], refresh: false, cancellationToken).ConfigureAwait(false);
            }
        }

        if (merged.MovePending)
        {
            await MutateAsync(channelId, FrontConversationKey(mergedId), existing =>
            {
                if (existing?.GetBoolean("MovePending") != true || !string.Equals(existing.GetString("MergedInto"), target, StringComparison.Ordinal))
                {
                    return null;
                }

                existing["MovePending"] = false;
                return existing;
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records a Front message (rule 5): <c>fm|</c> always, <c>xm|</c> when the external id is known. The conversation is
    /// resolved to its survivor first.
    /// </summary>
    public async Task RecordMessageAsync(
        string channelId, string messageId, string conversationId, string? externalId, string? messageUid, CancellationToken cancellationToken = default)
    {
        ValidateChannel(channelId);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        var (survivor, _) = await ResolveAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false);
        externalId = NullIfEmpty(externalId);
        messageUid = NullIfEmpty(messageUid);

        for (var hop = 0; ; hop++)
        {
            await WriteMessageRowsAsync(channelId, messageId, survivor, externalId, messageUid, cancellationToken).ConfigureAwait(false);

            // The conversation row exists for every conversation that has messages, so lookups by Front id find it. Written
            // after the message rows: if the conversation was merged away meanwhile (the write is forwarded), the rows follow.
            var (final, _) = await AddExternalIdsAsync(channelId, survivor, [], refresh: false, cancellationToken).ConfigureAwait(false);
            if (string.Equals(final, survivor, StringComparison.Ordinal) || hop >= MaxMergeHops)
            {
                return;
            }

            survivor = final;
        }
    }

    private async Task WriteMessageRowsAsync(string channelId, string messageId, string survivor, string? externalId, string? messageUid, CancellationToken cancellationToken)
    {
        await MutateWithAsync(channelId, FrontMessageKey(messageId), async existing =>
        {
            var entity = existing ?? NewEntity(channelId, FrontMessageKey(messageId));
            var changed = existing is null;
            entity["MessageId"] = messageId;
            changed |= FillOnce(entity, "ExternalId", externalId);
            changed |= FillOnce(entity, "MessageUid", messageUid);
            changed |= await MoveConversationAsync(entity, survivor, cancellationToken).ConfigureAwait(false);
            return changed ? entity : null;
        }, cancellationToken).ConfigureAwait(false);

        if (externalId is null)
        {
            return;
        }

        await MutateWithAsync(channelId, ExternalMessageKey(externalId), async existing =>
        {
            if (existing is not null && !string.Equals(existing.GetString("MessageId"), messageId, StringComparison.Ordinal))
            {
                return null; // insert-once: the external id stays with the first Front message recorded for it
            }

            var entity = existing ?? NewEntity(channelId, ExternalMessageKey(externalId));
            var changed = existing is null;
            entity["ExternalId"] = externalId;
            entity["MessageId"] = messageId;
            changed |= FillOnce(entity, "MessageUid", messageUid);
            changed |= await MoveConversationAsync(entity, survivor, cancellationToken).ConfigureAwait(false);
            return changed ? entity : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- rules, one row at a time

    /// <summary>Maps <paramref name="externalId"/> to <paramref name="conversationId"/> if free or already so; else returns the holder.</summary>
    private async Task<string?> ClaimExternalConversationAsync(string channelId, string externalId, string conversationId, CancellationToken cancellationToken)
    {
        string? holder = null;
        await MutateAsync(channelId, ExternalConversationKey(externalId), existing =>
        {
            holder = null;
            if (existing is null)
            {
                var entity = NewEntity(channelId, ExternalConversationKey(externalId));
                entity["ExternalConversationId"] = externalId;
                entity["ConversationId"] = conversationId;
                return entity;
            }

            var current = existing.GetString("ConversationId");
            if (!string.Equals(current, conversationId, StringComparison.Ordinal))
            {
                holder = current;
            }

            return null;
        }, cancellationToken).ConfigureAwait(false);
        return holder;
    }

    private Task RepointExternalConversationAsync(string channelId, string externalId, string survivor, string? onlyFrom, CancellationToken cancellationToken) =>
        MutateAsync(channelId, ExternalConversationKey(externalId), existing =>
        {
            var entity = existing ?? NewEntity(channelId, ExternalConversationKey(externalId));
            if (string.Equals(entity.GetString("ConversationId"), survivor, StringComparison.Ordinal)
                || (onlyFrom is not null && !string.Equals(entity.GetString("ConversationId"), onlyFrom, StringComparison.Ordinal)))
            {
                return null;
            }

            entity["ExternalConversationId"] = externalId;
            entity["ConversationId"] = survivor;
            return entity;
        }, cancellationToken);

    /// <summary>
    /// Rule 1: the conversation's list only grows. Creates the row when missing. A conversation that is merged away is not
    /// written: the ids go to its survivor (forwarded along <c>MergedInto</c>). Returns the conversation written and its list.
    /// </summary>
    private async Task<(string ConversationId, IReadOnlyList<string> Ids)> AddExternalIdsAsync(
        string channelId, string conversationId, IReadOnlyCollection<string> ids, bool refresh, CancellationToken cancellationToken)
    {
        var target = conversationId;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            seen.Add(target);
            IReadOnlyList<string> result = [];
            string? forwardTo = null;
            var current = target;
            await MutateAsync(channelId, FrontConversationKey(current), existing =>
            {
                forwardTo = null;
                if (existing?.GetString("MergedInto") is { Length: > 0 } next && !seen.Contains(next) && seen.Count < MaxMergeHops)
                {
                    forwardTo = next;
                    return null;
                }

                var entity = existing ?? NewEntity(channelId, FrontConversationKey(current));
                var list = ReadIds(entity).ToList();
                var changed = existing is null;
                foreach (var id in ids)
                {
                    if (!list.Contains(id, StringComparer.Ordinal))
                    {
                        list.Add(id);
                        changed = true;
                    }
                }

                result = list;
                entity["ConversationId"] = current;
                entity["ExternalConversationIds"] = JsonSerializer.Serialize(list, IdMapJsonContext.Default.ListString);
                // RefreshedAt is rewritten at most once a minute: every message of a busy conversation would otherwise write
                // (and contend for) the same row just to move a timestamp.
                var now = _time.GetUtcNow();
                if (refresh && (changed || entity.GetDateTimeOffset("RefreshedAt") is not { } last || now - last >= RefreshWriteInterval))
                {
                    entity["RefreshedAt"] = now;
                    changed = true;
                }

                return changed ? entity : null;
            }, cancellationToken).ConfigureAwait(false);

            if (forwardTo is null)
            {
                return (current, result);
            }

            target = forwardTo;
        }
    }

    private static bool FillOnce(TableEntity entity, string property, string? value)
    {
        if (value is null || entity.GetString(property) is { Length: > 0 })
        {
            return false;
        }

        entity[property] = value;
        return true;
    }

    /// <summary>A message row's conversation moves only to the survivor of the one it holds (the caller resolved it).</summary>
    private async Task<bool> MoveConversationAsync(TableEntity entity, string survivor, CancellationToken cancellationToken)
    {
        var current = entity.GetString("ConversationId");
        if (string.Equals(current, survivor, StringComparison.Ordinal))
        {
            return false;
        }

        if (current is { Length: > 0 })
        {
            var (resolved, _) = await ResolveAsync(entity.PartitionKey, current, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(resolved, survivor, StringComparison.Ordinal))
            {
                return false;
            }
        }

        entity["ConversationId"] = survivor;
        return true;
    }

    // ---------------------------------------------------------------- storage plumbing

    /// <summary>
    /// Read, decide, write with optimistic concurrency; on 409/412 read again and decide again. <paramref name="decide"/>
    /// returns the entity to write, or null when the row is already right. Returns true when it wrote.
    /// </summary>
    private Task<bool> MutateAsync(string channelId, string rowKey, Func<TableEntity?, TableEntity?> decide, CancellationToken cancellationToken) =>
        MutateWithAsync(channelId, rowKey, existing => ValueTask.FromResult(decide(existing)), cancellationToken);

    private async Task<bool> MutateWithAsync(string channelId, string rowKey, Func<TableEntity?, ValueTask<TableEntity?>> decide, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = await GetAsync(channelId, rowKey, cancellationToken).ConfigureAwait(false);
            var etag = existing?.ETag ?? default;
            var desired = await decide(existing).ConfigureAwait(false);
            if (desired is null)
            {
                return false;
            }

            try
            {
                if (existing is null)
                {
                    await _table.AddEntityAsync(desired, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _table.UpdateEntityAsync(desired, etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }

                return true;
            }
            catch (RequestFailedException e) when ((e.Status is 409 or 412) && attempt < MaxAttempts)
            {
                // Another writer got there first: re-read and re-apply the rule.
            }
        }
    }

    private async Task<TableEntity?> GetAsync(string channelId, string rowKey, CancellationToken cancellationToken)
    {
        ValidateChannel(channelId);
        await _storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(channelId, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }

    private async Task<MappedMessage> ToMappedMessageAsync(string channelId, TableEntity row, CancellationToken cancellationToken)
    {
        var conversationId = row.GetString("ConversationId") ?? "";
        var (survivor, state) = conversationId.Length > 0
            ? await ResolveCoreAsync(channelId, conversationId, completeMoves: false, 0, cancellationToken).ConfigureAwait(false)
            : (conversationId, null);
        return new MappedMessage(
            channelId,
            row.GetString("MessageId") ?? "",
            NullIfEmpty(row.GetString("ExternalId")),
            survivor,
            state?.ExternalConversationIds ?? [],
            NullIfEmpty(row.GetString("MessageUid")));
    }

    private static ConversationRow ToConversationRow(string conversationId, TableEntity entity) =>
        new(conversationId, ReadIds(entity), NullIfEmpty(entity.GetString("MergedInto")), entity.GetDateTimeOffset("RefreshedAt"), entity.GetBoolean("MovePending") == true);

    private static IReadOnlyList<string> ReadIds(TableEntity entity) =>
        entity.GetString("ExternalConversationIds") is { Length: > 0 } json
            ? JsonSerializer.Deserialize(json, IdMapJsonContext.Default.ListString) ?? []
            : [];

    private static TableEntity NewEntity(string channelId, string rowKey) => new(channelId, rowKey);

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static void ValidateChannel(string channelId)
    {
        if (!FrontIds.IsChannelId(channelId))
        {
            throw new ArgumentException("The channel id must be a Front channel id (cha_…); it is the id map's partition key.", nameof(channelId));
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
internal sealed partial class IdMapJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
