namespace FrontFunctions.IdMap;

/// <summary>
/// Writes message rows (rule 5): a Front message's <c>fm|</c> row and, when its external id is known, its <c>xm|</c> row,
/// both pointing at the surviving conversation — for a message that came in (a notification), one Front sent (a
/// teammate's reply, on the answer path) and an auto-reply without a Front message id. The common inbound message takes
/// the settled-conversation fast path: written at once when this instance saw its conversation settled with its ids.
/// </summary>
internal sealed class MessageWriter(
    IdMapTable table, TimeProvider time, SettledConversations settled, ConversationRows conversations, MergeMove moves, Telemetry.FrontMetrics? metrics)
{
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
        string channelId, string messageId, string conversationId, string? externalId, string? messageUid, bool conversationIsResolved,
        CancellationToken cancellationToken)
    {
        IdMapTable.ValidateChannel(channelId);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        var survivor = conversationId;
        if (!conversationIsResolved)
        {
            (survivor, _) = await moves.ResolveAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false);
        }

        externalId = IdMapTable.NullIfEmpty(externalId);
        messageUid = IdMapTable.NullIfEmpty(messageUid);
        for (var hop = 0; ; hop++)
        {
            await WriteMessageRowsAsync(channelId, messageId, survivor, externalId, messageUid, cancellationToken).ConfigureAwait(false);

            var (_, row) = await table.GetConversationAsync(channelId, survivor, cancellationToken).ConfigureAwait(false);
            if (row is { MergedInto: null })
            {
                var list = row.ExternalConversationIds;
                if (row.MovesIn is null or { Count: 0 })
                {
                    settled.Remember(channelId, survivor, list);
                }

                return new MappedConversation(channelId, survivor, list);
            }

            // Missing (the conversation row exists for every conversation that has messages, so lookups by Front id find
            // it), or merged away meanwhile (the write is forwarded to the survivor, and the rows follow).
            var (final, ids) = await conversations.AddExternalIdsAsync(channelId, survivor, [], refresh: false, movingIn: null, cancellationToken).ConfigureAwait(false);
            if (string.Equals(final, survivor, StringComparison.Ordinal) || hop >= IdMapTable.MaxMergeHops)
            {
                return new MappedConversation(channelId, final, ids);
            }

            survivor = final;
        }
    }

    /// <summary>Whether <see cref="TryRecordMessageInSettledConversationAsync"/> would try (this instance saw the conversation settled with those ids).</summary>
    public bool IsSettledHere(string channelId, string conversationId, IReadOnlyCollection<string> externalConversationIds) =>
        externalConversationIds.Count > 0 && settled.Lists(channelId, conversationId, externalConversationIds);

    /// <summary>
    /// The common message in one round trip less: when this instance last saw <paramref name="conversationId"/> settled (a
    /// survivor, no move into it pending) and listing every one of <paramref name="externalConversationIds"/>, the message
    /// rows are written pointing at it straight away and the conversation row is read once, after them. When that read
    /// shows the conversation still settled, listing the ids, with no refresh due — exactly the state in which
    /// <see cref="ConversationWriter.RecordConversationAsync"/> writes nothing — the rows are right and that read is the
    /// answer (it closes the race with a merge as <see cref="RecordMessageAsync"/>'s read does). Otherwise null: the caller
    /// runs the full path (record the conversation, then the message), which is idempotent and moves the rows on (rule 5)
    /// if they must move. Rows written here point at a conversation whose row exists and lists the ids, so a lookup in
    /// between answers what the full path would have (a merge since is followed through <c>MergedInto</c>).
    /// </summary>
    public async Task<MappedConversation?> TryRecordMessageInSettledConversationAsync(
        string channelId, string messageId, string conversationId, IReadOnlyCollection<string> externalConversationIds,
        string? externalId, string? messageUid, CancellationToken cancellationToken)
    {
        IdMapTable.ValidateChannel(channelId);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        var ids = externalConversationIds.Where(id => !string.IsNullOrEmpty(id)).ToList();
        if (ids.Count == 0 || !settled.Lists(channelId, conversationId, ids))
        {
            return null;
        }

        await WriteMessageRowsAsync(channelId, messageId, conversationId, IdMapTable.NullIfEmpty(externalId), IdMapTable.NullIfEmpty(messageUid), cancellationToken).ConfigureAwait(false);
        var (_, row) = await table.GetConversationAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false);
        if (row is { MergedInto: null, MovesIn.Count: 0 } && ids.All(id => row.ExternalConversationIds.Contains(id, StringComparer.Ordinal))
            && !MergeRules.RefreshDue(refresh: true, changed: false, row.RefreshedAt, time.GetUtcNow()))
        {
            settled.Remember(channelId, conversationId, row.ExternalConversationIds);
            return new MappedConversation(channelId, conversationId, row.ExternalConversationIds);
        }

        settled.Forget(channelId, conversationId);
        return null;
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
    public Task RecordSentMessageAsync(string channelId, string messageId, string survivor, string externalId, CancellationToken cancellationToken)
    {
        IdMapTable.ValidateChannel(channelId);
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentException.ThrowIfNullOrEmpty(survivor);
        ArgumentException.ThrowIfNullOrEmpty(externalId);
        return WriteMessageRowsAsync(channelId, messageId, survivor, externalId, null, cancellationToken);
    }

    /// <summary>
    /// Records a message that has no Front message id (an auto-reply Front sent without one): only its <c>xm|</c> row,
    /// pointing at the surviving conversation. Insert-once: an existing row keeps what it holds.
    /// </summary>
    public async Task RecordExternalOnlyMessageAsync(string channelId, string externalId, string conversationId, CancellationToken cancellationToken)
    {
        IdMapTable.ValidateChannel(channelId);
        ArgumentException.ThrowIfNullOrEmpty(externalId);
        var key = IdMapKeys.ExternalMessage(externalId);
        await table.Rows.InsertFirstAsync(
            new MessageEntity { PartitionKey = channelId, RowKey = key, ExternalId = externalId, ConversationId = conversationId },
            _ => ValueTask.FromResult<MessageEntity?>(null),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a message's <c>fm|</c> row and, when its external id is known, its <c>xm|</c> row. A new message (the common
    /// case) takes one request: both rows and their links inserted together (an entity group transaction). When either row
    /// exists (a redelivery, a duplicate, the external id recorded for another Front message), nothing was written and each
    /// row goes through insert-first, read-decide-write under <see cref="MergeRules"/>.
    /// </summary>
    private async Task WriteMessageRowsAsync(string channelId, string messageId, string survivor, string? externalId, string? messageUid, CancellationToken cancellationToken)
    {
        var frontKey = IdMapKeys.FrontMessage(messageId);
        if (externalId is not null)
        {
            MessageEntity[] rows =
            [
                new() { PartitionKey = channelId, RowKey = frontKey, MessageId = messageId, ExternalId = externalId, MessageUid = messageUid, ConversationId = survivor },
                new() { PartitionKey = channelId, RowKey = IdMapKeys.ExternalMessage(externalId), MessageId = messageId, ExternalId = externalId, MessageUid = messageUid, ConversationId = survivor },
            ];
            if (await table.Rows.InsertAllAsync(rows, cancellationToken).ConfigureAwait(false))
            {
                metrics?.MessageStored(channelId);
                return;
            }
        }

        var existed = false; // the fm| row was there before (a redelivery): not a new message for the channel's count
        var front = CountNewAsync(channelId, () => existed, table.Rows.InsertFirstAsync(
            new MessageEntity { PartitionKey = channelId, RowKey = frontKey, MessageId = messageId, ExternalId = externalId, MessageUid = messageUid, ConversationId = survivor },
            async existing =>
            {
                existed = existing is not null;
                var entity = existing ?? IdMapTable.New<MessageEntity>(channelId, frontKey);
                var changed = existing is null;
                entity.MessageId = messageId;
                changed |= FillOnce(entity.ExternalId, externalId, v => entity.ExternalId = v);
                changed |= FillOnce(entity.MessageUid, messageUid, v => entity.MessageUid = v);
                changed |= await MoveConversationAsync(entity, survivor, cancellationToken).ConfigureAwait(false);
                return changed ? entity : null;
            },
            cancellationToken));

        if (externalId is null)
        {
            await front.ConfigureAwait(false);
            return;
        }

        var externalKey = IdMapKeys.ExternalMessage(externalId);
        var external = table.Rows.InsertFirstAsync(
            new MessageEntity { PartitionKey = channelId, RowKey = externalKey, MessageId = messageId, ExternalId = externalId, MessageUid = messageUid, ConversationId = survivor },
            async existing =>
            {
                if (existing is not null && !MergeRules.KeepsExternalMessage(existing.MessageId, messageId))
                {
                    return null; // insert-once: the external id stays with the first Front message recorded for it
                }

                var entity = existing ?? IdMapTable.New<MessageEntity>(channelId, externalKey);
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

    private async Task CountNewAsync(string channelId, Func<bool> existed, Task<bool> write)
    {
        if (await write.ConfigureAwait(false) && !existed())
        {
            metrics?.MessageStored(channelId);
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
            (resolved, _) = await moves.ResolveAsync(entity.PartitionKey, current, cancellationToken).ConfigureAwait(false);
        }

        if (!MergeRules.MovesConversation(current, resolved, survivor))
        {
            return false;
        }

        entity.ConversationId = survivor;
        return true;
    }
}
