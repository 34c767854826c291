using FrontFunctions.Front;
using FrontFunctions.Ingest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Enrichment;

/// <summary>
/// Maps one imported message: what the notification carries is used as is, and Front is asked only for what is missing.
/// <list type="bullet">
/// <item>External message id: from the notification, else from the id map's <c>fm|</c> row (a duplicate), else
/// <c>GET /messages/{id}</c>.</item>
/// <item>External conversation ids: from the notification, else from the id map when confirmed within
/// <see cref="EnrichmentOptions.ConversationRefreshInterval"/>, else <c>GET /conversations/{id}</c> (shared by concurrent work
/// through <see cref="FrontConversationCache"/>; a 301 there records the merge).</item>
/// <item>A conversation that still claims some of the ids without a known merge is asked about once (a 301 settles it).</item>
/// </list>
/// Permanent failures (401, 403, 404, an unusable notification) become <see cref="PermanentEnrichmentException"/>;
/// transient ones propagate so the queue retries.
/// </summary>
public sealed class NotificationEnricher(
    IdMap.IdMapStore map,
    FrontApiClient front,
    FrontConversationCache conversations,
    Channels.ChannelRegistry channels,
    Imports.ImportStore imports,
    IOptions<EnrichmentOptions> options,
    TimeProvider time,
    ILogger<NotificationEnricher> logger)
{
    private readonly TimeSpan _refreshInterval = options.Value.ConversationRefreshInterval;

    /// <param name="admitted">
    /// The replay check of the notification's signature (<see cref="ReplayGuard"/>), started by the caller and run while the
    /// first read is made: awaited before the first Front call or write; false throws <see cref="ReplayedNotificationException"/>.
    /// </param>
    public async Task<EnrichmentOutcome> EnrichAsync(IngestNotification notification, CancellationToken cancellationToken, Task<bool>? admitted = null)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var channelId = notification.ChannelId;
        var messageId = notification.MessageId;
        if (!FrontIds.IsChannelId(channelId) || !FrontIds.IsResourceId(messageId, "msg_") || !FrontIds.IsResourceId(notification.ConversationId, "cnv_"))
        {
            throw new PermanentEnrichmentException("The notification does not carry a usable channel, message and conversation id.");
        }

        var calls = 0;
        try
        {
            // 1. The message's external id and uid.
            var externalId = Blank(notification.ExternalId);
            var messageUid = Blank(notification.MessageUid);
            var conversationId = notification.ConversationId;
            if (externalId is null)
            {
                var row = await map.GetMessageRowAsync(channelId, messageId, cancellationToken).ConfigureAwait(false);
                externalId = row?.ExternalId;
                messageUid ??= row?.MessageUid;
            }

            if (admitted is not null && !await admitted.ConfigureAwait(false))
            {
                throw new ReplayedNotificationException();
            }

            if (externalId is null)
            {
                var message = await front.GetMessageAsync(channelId, messageId, cancellationToken).ConfigureAwait(false);
                calls++;
                externalId = message.ExternalId;
                messageUid ??= Blank(message.MessageUid);
                if (message.ConversationId is { } current && !string.Equals(current, conversationId, StringComparison.Ordinal))
                {
                    // Messages change conversation only through a merge: Front now files it under the survivor.
                    await map.RecordMergeAsync(channelId, conversationId, current, confirmedByFront: true, cancellationToken).ConfigureAwait(false);
                    conversations.Forget(channelId, conversationId);
                }

                if (externalId is null)
                {
                    EnrichmentLog.NoExternalId(logger, channelId, messageId);
                }
            }

            // The common case in two round trips: the conversation was seen settled here with every id the notification
            // lists, so the rows are written at once and one read of the conversation row confirms it (else the full path).
            if (map.IsSettledHere(channelId, conversationId, notification.ExternalConversationIds))
            {
                var fast = map.TryRecordMessageInSettledConversationAsync(
                    channelId, messageId, conversationId, notification.ExternalConversationIds, externalId, messageUid, cancellationToken);
                var marked = externalId is null
                    ? Task.CompletedTask
                    : imports.MarkImportedAsync(channelId, externalId, messageUid, messageId, conversationId, cancellationToken);
                await Task.WhenAll(fast, marked).ConfigureAwait(false);
                if (await fast.ConfigureAwait(false) is { } settled)
                {
                    return new EnrichmentOutcome(channelId, messageId, settled.ConversationId, externalId, settled.ExternalConversationIds, messageUid, calls);
                }
            }

            // 2. The conversation's external ids.
            IdMap.ConversationUpdate update;
            if (notification.ExternalConversationIds.Count > 0)
            {
                update = await map.RecordConversationAsync(channelId, conversationId, notification.ExternalConversationIds, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var (survivor, row) = await map.ResolveAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false);
                if (row?.RefreshedAt is { } refreshed && time.GetUtcNow() - refreshed < _refreshInterval)
                {
                    update = new IdMap.ConversationUpdate(survivor, row.ExternalConversationIds, []);
                }
                else
                {
                    (update, var fetched) = await RefreshConversationAsync(channelId, survivor, cancellationToken).ConfigureAwait(false);
                    calls += fetched;
                }
            }

            // 3. Conversations still holding some of the ids without a known merge: Front's 301 says which survived. If
            //    that does not settle it, this notification may be older than a merge of its OWN conversation (issue 8.1):
            //    ask Front about that one too. A refusal for another conversation (deleted, say) does not stop this message.
            if (update.UnresolvedClaims.Count > 0)
            {
                foreach (var claimant in update.UnresolvedClaims)
                {
                    calls += await SettleAsync(channelId, claimant, cancellationToken).ConfigureAwait(false);
                }

                update = await map.RecordConversationAsync(channelId, update.ConversationId, notification.ExternalConversationIds, cancellationToken).ConfigureAwait(false);
                if (update.UnresolvedClaims.Count > 0)
                {
                    calls += await SettleAsync(channelId, update.ConversationId, cancellationToken).ConfigureAwait(false);
                    update = await map.RecordConversationAsync(channelId, update.ConversationId, notification.ExternalConversationIds, cancellationToken).ConfigureAwait(false);
                }

                if (update.UnresolvedClaims.Count > 0)
                {
                    EnrichmentLog.UnresolvedClaims(logger, channelId, update.ConversationId, update.UnresolvedClaims.Count);
                }
            }

            // 4. The message rows (the conversation was resolved, and its row exists, in step 2 or 3).
            //    At the same time (another table, so no extra round trip): an import made through the import API becomes
            //    "imported" (no import row: the message was imported some other way, nothing to do).
            var recording = map.RecordMessageAsync(channelId, messageId, update.ConversationId, externalId, messageUid, conversationIsResolved: true, cancellationToken);
            var marking = externalId is null
                ? Task.CompletedTask
                : imports.MarkImportedAsync(channelId, externalId, messageUid, messageId, update.ConversationId, cancellationToken);
            await Task.WhenAll(recording, marking).ConfigureAwait(false);
            var final = await recording.ConfigureAwait(false);

            return new EnrichmentOutcome(channelId, messageId, final.ConversationId, externalId, final.ExternalConversationIds, messageUid, calls);
        }
        catch (FrontApiException e) when (e.Permanent)
        {
            throw new PermanentEnrichmentException(await ExplainAsync(channelId, e, cancellationToken).ConfigureAwait(false), e);
        }
    }

    /// <summary>Reads the conversation from Front (or the shared in-flight/cached read) and records what it says.</summary>
    private async Task<(IdMap.ConversationUpdate Update, int Calls)> RefreshConversationAsync(string channelId, string conversationId, CancellationToken cancellationToken)
    {
        var (result, fetched) = await conversations.GetAsync(
            channelId,
            conversationId,
            () => front.GetConversationAsync(channelId, conversationId, CancellationToken.None),
            cancellationToken).ConfigureAwait(false);

        if (result.Redirected)
        {
            await map.RecordMergeAsync(channelId, result.RequestedId, result.ConversationId, confirmedByFront: true, cancellationToken).ConfigureAwait(false);
        }

        var update = await map.RecordConversationAsync(channelId, result.ConversationId, result.ExternalConversationIds, cancellationToken).ConfigureAwait(false);
        return (update, fetched ? 1 : 0);
    }

    /// <summary>
    /// Asks Front about a conversation and records what it says (a 301 records the merge): what enrichment does to settle a
    /// conflicting claim, and what a conversation whose ids are stale gets. Only a message's own 401/403/404 are permanent: a
    /// refusal here (the conversation was deleted, say) is logged and the map stays as it is. Returns the Front calls made.
    /// </summary>
    public async Task<int> SettleAsync(string channelId, string conversationId, CancellationToken cancellationToken)
    {
        try
        {
            var (_, fetched) = await RefreshConversationAsync(channelId, conversationId, cancellationToken).ConfigureAwait(false);
            return fetched;
        }
        catch (FrontApiException e) when (e.Permanent)
        {
            EnrichmentLog.SettleRefused(logger, channelId, conversationId, e.StatusCode);
            return 1;
        }
    }

    /// <summary>A refused token usually means the channel is gone: say so when the channel registry knows it.</summary>
    private async Task<string> ExplainAsync(string channelId, FrontApiException e, CancellationToken cancellationToken)
    {
        if (e.StatusCode is not (401 or 403))
        {
            return e.Reason;
        }

        var channel = await channels.FindAsync(channelId, cancellationToken).ConfigureAwait(false);
        return channel switch
        {
            null => e.Reason + " The channel is unknown to this app (never authorized here).",
            { Status: Channels.ChannelStatus.Deleted } => e.Reason + $" The channel was deleted at {channel.DeletedAt:O}.",
            _ => e.Reason,
        };
    }

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>The notification's signature was already claimed by another request (a replay): nothing was written.</summary>
public sealed class ReplayedNotificationException() : Exception("The notification's signature was already used for another request.");
