using FrontFunctions.Caching;
using FrontFunctions.Front;
using FrontFunctions.Http;
using FrontFunctions.IdMap;

namespace FrontFunctions.Lookup;

/// <summary>
/// Translates ids through the id map for the partner system: by external id or by Front id, for messages and
/// conversations. Each answer is point reads: the message or conversation row, then the conversation row it points at
/// (the id map follows merges to the surviving conversation), both at once for a row answered before (<see cref="IdMapStore"/>).
/// A message's import status (<see cref="Imports.ImportStore"/>) is read beside them, except when this instance already
/// knows it for a mapped message: <c>imported</c> never changes, and "not imported through the app" is trusted for
/// <see cref="ImportStatusMemory"/> (an import of an external id already mapped some other way shows after that long).
/// </summary>
public sealed class MapLookup(IdMapStore map, Imports.ImportStore imports, TimeProvider time)
{
    /// <summary>External ids are at most 200 characters (Front's InboundMessage schema).</summary>
    public const int MaxExternalIdLength = 200;

    /// <summary>How long a mapped message's "no import row" is trusted without reading the import table again.</summary>
    public static readonly TimeSpan ImportStatusMemory = TimeSpan.FromSeconds(10);

    // Safe across instances: "imported" is final; "no import row" is trusted only for ImportStatusMemory (10 s), after which
    // another instance's import shows. 20k entries, 24 h each.
    private readonly BoundedMemory<(string Channel, string ExternalId), (string? Status, DateTimeOffset SeenAt)> _importStatus =
        new(time, 20_000, TimeSpan.FromHours(24));

    public async Task<HttpAnswer> FindMessageAsync(string channelId, string? externalId, string? frontId, CancellationToken cancellationToken)
    {
        if (Validate(channelId, externalId, frontId, "msg_") is { } problem)
        {
            return problem;
        }

        MappedMessage? message;
        Imports.ImportEntity? import;
        var importRead = true; // false when the status came from this instance's memory
        if (externalId is not null)
        {
            // The map row and the import row (status) are read at once, unless the status is known.
            var mapped = map.FindMessageByExternalIdAsync(channelId, externalId, cancellationToken);
            var imported = TryKnownImportStatus(channelId, externalId, out var known) ? null : imports.GetAsync(channelId, externalId, cancellationToken);
            try
            {
                message = await mapped.ConfigureAwait(false);
            }
            catch when (imported is not null)
            {
                await SpeculativeRead.ObserveAsync(imported).ConfigureAwait(false);
                throw;
            }

            if (imported is not null)
            {
                import = await imported.ConfigureAwait(false);
            }
            else if (message is not null)
            {
                import = known;
                importRead = false;
            }
            else
            {
                import = await imports.GetAsync(channelId, externalId, cancellationToken).ConfigureAwait(false); // known when mapped, not mapped now: read
            }
        }
        else
        {
            message = await map.FindMessageByFrontIdAsync(channelId, frontId!, cancellationToken).ConfigureAwait(false);
            import = null;
            importRead = false;
            if (message?.ExternalId is { } externalIdOfMessage)
            {
                if (TryKnownImportStatus(channelId, externalIdOfMessage, out var known))
                {
                    import = known;
                }
                else
                {
                    import = await imports.GetAsync(channelId, externalIdOfMessage, cancellationToken).ConfigureAwait(false);
                    importRead = true;
                }
            }
        }

        if (importRead && message?.ExternalId is { } remembered && (import is null || import.Status == Imports.ImportStatus.Imported))
        {
            _importStatus.Set((channelId, remembered), (import?.Status, time.GetUtcNow()));
        }

        if (import is { Status: Imports.ImportStatus.Sending })
        {
            import = null; // the Front call is still in flight: nothing to show yet
        }

        if (message is null && import is null)
        {
            return NotMapped("message", externalId, frontId);
        }

        if (message is null)
        {
            // Imported through the app, not mapped yet: accepted (waiting for Front) or failed.
            return HttpAnswer.Ok(new
            {
                channel_id = channelId,
                message_id = import!.MessageId,
                external_id = import.ExternalId,
                conversation_id = import.ConversationId,
                external_conversation_ids = import.ExternalConversationId is { } xc ? new[] { xc } : [],
                message_uid = import.MessageUid,
                status = import.Status,
                reason = import.Reason,
            });
        }

        return HttpAnswer.Ok(new
        {
            channel_id = message.ChannelId,
            message_id = message.MessageId,
            external_id = message.ExternalId,
            conversation_id = message.ConversationId,
            external_conversation_ids = message.ExternalConversationIds,
            message_uid = message.MessageUid,
            status = import?.Status,
            reason = import?.Reason,
        });
    }

    public async Task<HttpAnswer> FindConversationAsync(string channelId, string? externalId, string? frontId, CancellationToken cancellationToken)
    {
        if (Validate(channelId, externalId, frontId, "cnv_") is { } problem)
        {
            return problem;
        }

        MappedConversation? conversation;
        conversation = externalId is not null
            ? await map.FindConversationByExternalIdAsync(channelId, externalId, cancellationToken).ConfigureAwait(false)
            : await map.FindConversationByFrontIdAsync(channelId, frontId!, cancellationToken).ConfigureAwait(false);

        if (conversation is null)
        {
            return NotMapped("conversation", externalId, frontId);
        }

        return HttpAnswer.Ok(new
        {
            channel_id = conversation.ChannelId,
            conversation_id = conversation.ConversationId,
            external_conversation_ids = conversation.ExternalConversationIds,
        });
    }

    /// <summary>
    /// The import status this instance knows for a mapped message without a read: <c>imported</c> (final), or none while
    /// younger than <see cref="ImportStatusMemory"/>. The row returned carries only what the answer shows.
    /// </summary>
    private bool TryKnownImportStatus(string channelId, string externalId, out Imports.ImportEntity? import)
    {
        import = null;
        if (!_importStatus.TryGet((channelId, externalId), out var seen))
        {
            return false;
        }

        if (seen.Status == Imports.ImportStatus.Imported)
        {
            import = new Imports.ImportEntity { Status = Imports.ImportStatus.Imported };
            return true;
        }

        return time.GetUtcNow() - seen.SeenAt < ImportStatusMemory;
    }

    /// <summary>
    /// 404 naming the id that was asked for. An external id with a space most often was a '+' sent unencoded (a query
    /// string reads '+' as a space): the answer says so.
    /// </summary>
    private static HttpAnswer NotMapped(string what, string? externalId, string? frontId)
    {
        var id = externalId ?? frontId ?? "";
        var hint = externalId?.Contains(' ', StringComparison.Ordinal) == true
            ? " The id contains a space: if it had a '+', URL-encode it (%2B), since a query string reads '+' as a space."
            : "";
        return HttpAnswer.NotFound($"No {what} with {(externalId is not null ? "external" : "Front")} id \"{id}\" is mapped in this channel.{hint}");
    }

    private static HttpAnswer? Validate(string channelId, string? externalId, string? frontId, string frontPrefix)
    {
        if (!FrontIds.IsChannelId(channelId))
        {
            return HttpAnswer.BadRequest("The channel id in the URL must be a Front channel id (\"cha_…\").");
        }

        if ((externalId is null) == (frontId is null))
        {
            return HttpAnswer.BadRequest("Give exactly one of the query parameters external_id and front_id.");
        }

        // Counted in Unicode code points, as the import API and Front's schema count it (an emoji is one character).
        if (externalId is not null && (externalId.Length == 0 || Imports.ImportRequestValidator.IdLength(externalId) > MaxExternalIdLength))
        {
            return HttpAnswer.BadRequest($"external_id must be 1 to {MaxExternalIdLength} characters (Unicode code points).");
        }

        if (frontId is not null && !FrontIds.IsResourceId(frontId, frontPrefix))
        {
            return HttpAnswer.BadRequest($"front_id must be a Front id starting with \"{frontPrefix}\".");
        }

        return null;
    }
}
