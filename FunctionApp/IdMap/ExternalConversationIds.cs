using FrontFunctions.Caching;

namespace FrontFunctions.IdMap;

/// <summary>
/// The answer path's external conversation id: for a message Front sends (a teammate's reply), the id the surviving
/// conversation already carries (the partner's own before a minted one: <see cref="MergeRules.PreferredExternalConversationId"/>),
/// else one minted for it and recorded insert-once; and, for a minted id, its <c>xc|</c> row claimed so the id is
/// findable. Remembers what it decided and claimed on this instance, and shares one decision among replies racing here.
/// </summary>
internal sealed class ExternalConversationIds(IdMapTable table, TimeProvider time, SettledConversations settled, ConversationRows conversations, MergeMove moves)
{
    /// <summary>
    /// How long the answer to a teammate's reply trusts what this instance last saw of a settled conversation, instead of
    /// reading its row (<see cref="BeginAsync"/>): the same bound as the channel status memory
    /// (<see cref="Channels.ChannelRegistry.RecentFor"/>).
    /// </summary>
    public static readonly TimeSpan AnswerMemory = TimeSpan.FromSeconds(10);

    // Not a memory: an in-flight join (one decision per conversation at a time).
    private readonly InFlightJoin<(string Channel, string Conversation), ExternalConversationAnswer> _deciding = new();

    // Minted external conversation ids whose xc| row this instance wrote or found (rows are never deleted): an answer
    // carrying one of them needs no claim again (ClaimAnsweredIdAsync).
    // Safe across instances: xc| rows are never deleted, so a claim seen once stays true. 20k entries, 24 h each.
    private readonly BoundedMemory<(string Channel, string ExternalId), bool> _claimed = new(time, 20_000, TimeSpan.FromHours(24));

    /// <summary>
    /// The external conversation id to answer for a message Front sends in <paramref name="conversationId"/>: an id the
    /// surviving conversation already carries, else <paramref name="mint"/>(survivor), recorded for it. The minted id is
    /// recorded insert-once: the <c>fc|</c> row is created with <c>AddEntity</c> (409 when another writer got there first) or
    /// updated with If-Match (412), and a writer that finds ids already there keeps them and answers the first; so two
    /// replies racing in a new conversation answer the same id. Returns as soon as the id is decided (the survivor's
    /// <c>fc|</c> row holds it), with <see cref="ExternalConversationAnswer.Recorded"/> still writing the id's <c>xc|</c> row
    /// (insert-first, idempotent) so the caller can write its own rows meanwhile. The caller must await <c>Recorded</c>
    /// before it answers. A conversation that already has ids costs one read, or none when this instance saw it settled less
    /// than <see cref="AnswerMemory"/> ago; a new one a read, an insert and the <c>xc|</c> insert. Whichever way the id was
    /// found, when it is a minted one <c>Recorded</c> inserts its <c>xc|</c> row if missing (one request, once per id and
    /// instance), so an id whose minting call died between its <c>fc|</c> and <c>xc|</c> writes is findable again by the
    /// time the next answer carrying it is given.
    /// </summary>
    /// <param name="mayWrite">Asked once before the first write (a mint); when it answers false nothing is written and the
    /// returned id is null (the caller refuses the message, e.g. its channel was deleted meanwhile).</param>
    public Task<ExternalConversationAnswer> BeginAsync(
        string channelId, string conversationId, Func<string, string> mint, Func<Task<bool>>? mayWrite, CancellationToken cancellationToken)
    {
        IdMapTable.ValidateChannel(channelId);
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        if (settled.TryGetRecent(channelId, conversationId, AnswerMemory, out var known))
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
        return _deciding.JoinAsync((channelId, conversationId), () => DecideAsync(channelId, conversationId, mint, mayWrite), cancellationToken);
    }

    private async Task<ExternalConversationAnswer> DecideAsync(string channelId, string conversationId, Func<string, string> mint, Func<Task<bool>>? mayWrite)
    {
        var cancellationToken = CancellationToken.None;
        for (var hop = 0; ; hop++)
        {
            var (survivor, row) = await moves.ResolveAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false);
            if (row is { MergedInto: null } && row.ExternalConversationIds.Count > 0)
            {
                if (row.MovesIn is null or { Count: 0 })
                {
                    settled.Remember(channelId, survivor, row.ExternalConversationIds);
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
            async ValueTask<ConversationEntity?> Decide(ConversationEntity? existing)
            {
                answer = null;
                forwardTo = null;
                decided = null;
                if (existing?.MergedInto is { Length: > 0 } next)
                {
                    forwardTo = next; // merged away meanwhile: the survivor's id is the answer
                    return null;
                }

                var list = existing is null ? [] : await table.Lists.ReadAsync(existing, cancellationToken).ConfigureAwait(false);
                decided = existing?.GetMovesIn() is null or { Count: 0 } ? list : null;
                if (list.Count > 0)
                {
                    answer = MergeRules.PreferredExternalConversationId(list); // someone else recorded an id first: keep it
                    return null;
                }

                var entity = existing ?? ConversationEntity.New(channelId, survivor);
                entity.ConversationId = survivor;
                entity.ExternalConversationIds = IdMapJson.Write([minted]); // the list was empty: no pages
                answer = minted;
                decided = [minted];
                return entity;
            }

            if (row is null)
            {
                // No row was there a moment ago: insert it (a 409 means another writer was first: read and decide again),
                // instead of reading the row just read.
                var fresh = (await Decide(null).ConfigureAwait(false))!;
                await table.Rows.InsertFirstAsync(fresh, Decide, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await table.Rows.MutateAsync<ConversationEntity>(channelId, key, Decide, cancellationToken).ConfigureAwait(false);
            }

            if (answer is not null)
            {
                if (decided is not null)
                {
                    settled.Remember(channelId, survivor, decided);
                }

                // The xc| row makes the id findable (and threads imports); claiming is idempotent.
                var claim = IsMinted(answer)
                    ? ClaimAnsweredIdAsync(channelId, answer, survivor, cancellationToken)
                    : conversations.ClaimAsync(channelId, answer, survivor, insertFirst: true, cancellationToken);
                return new ExternalConversationAnswer(survivor, answer, claim);
            }

            if (forwardTo is null || hop >= IdMapTable.MaxMergeHops)
            {
                throw new InvalidOperationException($"Conversation {survivor} could not be given an external conversation id.");
            }

            conversationId = forwardTo;
        }
    }

    private static bool IsMinted(string externalConversationId) =>
        externalConversationId.StartsWith(MergeRules.MintedIdPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Before an answer carries <paramref name="externalId"/>: when it is a minted id (<c>front:…</c>, whose <c>fc|</c> entry is
    /// written before its <c>xc|</c> row), its <c>xc|</c> row is inserted pointing at <paramref name="conversationId"/>,
    /// insert-once: a row already there is kept (it points at this conversation or at the survivor a merge moved it to), so
    /// one request, idempotent, and none once this instance has written or found it. Partner ids need nothing: their
    /// <c>xc|</c> row is claimed before they are added to a conversation (<see cref="ConversationWriter.RecordConversationAsync"/>).
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
            var row = IdMapTable.New<ExternalConversationEntity>(channelId, IdMapKeys.ExternalConversation(externalId));
            row.ExternalConversationId = externalId;
            row.ConversationId = conversationId;
            await table.Rows.InsertIfMissingAsync(row, cancellationToken).ConfigureAwait(false);
            _claimed.Set((channelId, externalId), true);
        }
    }
}
