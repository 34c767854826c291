using FrontFunctions.Caching;

namespace FrontFunctions.IdMap;

/// <summary>
/// Reads of the id map, no writes: the lookups the lookup API answers (a message or a conversation, by external or Front
/// id, resolved to the surviving conversation with all its ids), point reads of single rows for enrichment, and following
/// a conversation along <c>MergedInto</c> to its survivor. A message lookup this instance answered before overlaps its two
/// reads (<see cref="SpeculativeRead"/>); that memory is this class's own.
/// </summary>
internal sealed class IdMapReader(IdMapTable table, TimeProvider time)
{
    // The message rows this instance answered, with their ETag and the conversation they pointed at then.
    // Safe across instances: a hint, used only when the message row read beside it still has that ETag. 20k entries, 1 h each.
    private readonly BoundedMemory<(string Channel, string RowKey), (Azure.ETag ETag, string ConversationId)> _answered =
        new(time, 20_000, TimeSpan.FromHours(1));

    public Task<MappedMessage?> FindMessageByExternalIdAsync(string channelId, string externalId, CancellationToken cancellationToken) =>
        FindMessageAsync(channelId, IdMapKeys.ExternalMessage(externalId), cancellationToken);

    public Task<MappedMessage?> FindMessageByFrontIdAsync(string channelId, string messageId, CancellationToken cancellationToken) =>
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
        IdMapTable.ValidateChannel(channelId);
        Task<ConversationEntity?>? speculative = null;
        if (_answered.TryGet((channelId, rowKey), out var seen))
        {
            speculative = table.GetAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(seen.ConversationId), cancellationToken);
        }

        MessageEntity? row;
        try
        {
            row = await table.GetAsync<MessageEntity>(channelId, rowKey, cancellationToken).ConfigureAwait(false);
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
                var ids = conversation is null ? [] : await table.Lists.ReadAsync(conversation, cancellationToken).ConfigureAwait(false);
                return new MappedMessage(channelId, row.MessageId ?? "", IdMapTable.NullIfEmpty(row.ExternalId), conversationId, ids, IdMapTable.NullIfEmpty(row.MessageUid));
            }
        }
        else if (speculative is not null)
        {
            await SpeculativeRead.ObserveAsync(speculative).ConfigureAwait(false);
        }

        if (row is null)
        {
            _answered.Remove((channelId, rowKey));
            return null;
        }

        if (conversationId.Length > 0)
        {
            _answered.Set((channelId, rowKey), (row.ETag, conversationId));
        }

        return await ToMappedMessageAsync(channelId, row, cancellationToken).ConfigureAwait(false);
    }

    public async Task<MappedConversation?> FindConversationByExternalIdAsync(string channelId, string externalConversationId, CancellationToken cancellationToken)
    {
        var row = await table.GetAsync<ExternalConversationEntity>(channelId, IdMapKeys.ExternalConversation(externalConversationId), cancellationToken).ConfigureAwait(false);
        if (row?.ConversationId is not { Length: > 0 } conversationId)
        {
            return null;
        }

        var (survivor, state) = await FollowMergesAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false);
        var ids = state?.ExternalConversationIds ?? [];
        if (!ids.Contains(externalConversationId, StringComparer.Ordinal))
        {
            ids = [.. ids, externalConversationId];
        }

        return new MappedConversation(channelId, survivor, ids) { RecordedConversationId = conversationId };
    }

    public async Task<MappedConversation?> FindConversationByFrontIdAsync(string channelId, string conversationId, CancellationToken cancellationToken)
    {
        var (survivor, state) = await FollowMergesAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false);
        return state is null ? null : new MappedConversation(channelId, survivor, state.ExternalConversationIds);
    }

    /// <summary>The <c>fc|</c> row of exactly this conversation (no merge resolution), or null.</summary>
    public async Task<ConversationRow?> GetConversationRowAsync(string channelId, string conversationId, CancellationToken cancellationToken) =>
        (await table.GetConversationAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false)).Row;

    /// <summary>The <c>fm|</c> row of a Front message, or null.</summary>
    public async Task<MessageRow?> GetMessageRowAsync(string channelId, string messageId, CancellationToken cancellationToken)
    {
        var entity = await table.GetAsync<MessageEntity>(channelId, IdMapKeys.FrontMessage(messageId), cancellationToken).ConfigureAwait(false);
        return entity is null ? null : new MessageRow(messageId, IdMapTable.NullIfEmpty(entity.ExternalId), entity.ConversationId ?? "", IdMapTable.NullIfEmpty(entity.MessageUid));
    }

    /// <summary>
    /// The surviving conversation of <paramref name="conversationId"/> (itself when not known to be merged) and its row,
    /// reading only: a merge whose move was interrupted is followed, not completed (that is
    /// <see cref="MergeMove.ResolveAsync"/>'s).
    /// </summary>
    public async Task<(string ConversationId, ConversationRow? Row)> FollowMergesAsync(string channelId, string conversationId, CancellationToken cancellationToken)
    {
        var current = conversationId;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        ConversationRow? row = null;
        for (var hop = 0; hop < IdMapTable.MaxMergeHops && seen.Add(current); hop++)
        {
            row = await GetConversationRowAsync(channelId, current, cancellationToken).ConfigureAwait(false);
            if (row?.MergedInto is not { Length: > 0 } next || seen.Contains(next))
            {
                return (current, row);
            }

            current = next;
        }

        return (current, row);
    }

    private async Task<MappedMessage> ToMappedMessageAsync(string channelId, MessageEntity row, CancellationToken cancellationToken)
    {
        var conversationId = row.ConversationId ?? "";
        var (survivor, state) = conversationId.Length > 0
            ? await FollowMergesAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false)
            : (conversationId, null);
        return new MappedMessage(channelId, row.MessageId ?? "", IdMapTable.NullIfEmpty(row.ExternalId), survivor, state?.ExternalConversationIds ?? [], IdMapTable.NullIfEmpty(row.MessageUid));
    }
}
