using FrontFunctions.Front;
using FrontFunctions.IdMap;

namespace FrontFunctions.Lookup;

/// <summary>What the lookup API answers: a status code and a JSON body.</summary>
public sealed record LookupResponse(int StatusCode, object Body)
{
    public static LookupResponse BadRequest(string message) => new(400, new { type = "bad_request", message });

    public static LookupResponse NotFound(string message) => new(404, new { type = "not_found", message });

    public static LookupResponse Unavailable { get; } =
        new(503, new { type = "unavailable", message = "Storage is unavailable; retry later." });
}

/// <summary>
/// Translates ids through the id map for the partner system: by external id or by Front id, for messages and
/// conversations. Each answer is one or two point reads (the id map follows merges to the surviving conversation).
/// </summary>
public sealed class MapLookup(IdMapStore map)
{
    /// <summary>External ids are at most 200 characters (Front's InboundMessage schema).</summary>
    public const int MaxExternalIdLength = 200;

    public async Task<LookupResponse> FindMessageAsync(string channelId, string? externalId, string? frontId, CancellationToken cancellationToken)
    {
        if (Validate(channelId, externalId, frontId, "msg_") is { } problem)
        {
            return problem;
        }

        MappedMessage? message;
        try
        {
            message = externalId is not null
                ? await map.FindMessageByExternalIdAsync(channelId, externalId, cancellationToken).ConfigureAwait(false)
                : await map.FindMessageByFrontIdAsync(channelId, frontId!, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStorageFailure(e, cancellationToken))
        {
            return LookupResponse.Unavailable;
        }

        if (message is null)
        {
            return LookupResponse.NotFound("No message with that id is mapped in this channel.");
        }

        return new LookupResponse(200, new
        {
            channel_id = message.ChannelId,
            message_id = message.MessageId,
            external_id = message.ExternalId,
            conversation_id = message.ConversationId,
            external_conversation_ids = message.ExternalConversationIds,
            message_uid = message.MessageUid,
        });
    }

    public async Task<LookupResponse> FindConversationAsync(string channelId, string? externalId, string? frontId, CancellationToken cancellationToken)
    {
        if (Validate(channelId, externalId, frontId, "cnv_") is { } problem)
        {
            return problem;
        }

        MappedConversation? conversation;
        try
        {
            conversation = externalId is not null
                ? await map.FindConversationByExternalIdAsync(channelId, externalId, cancellationToken).ConfigureAwait(false)
                : await map.FindConversationByFrontIdAsync(channelId, frontId!, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStorageFailure(e, cancellationToken))
        {
            return LookupResponse.Unavailable;
        }

        if (conversation is null)
        {
            return LookupResponse.NotFound("No conversation with that id is mapped in this channel.");
        }

        return new LookupResponse(200, new
        {
            channel_id = conversation.ChannelId,
            conversation_id = conversation.ConversationId,
            external_conversation_ids = conversation.ExternalConversationIds,
        });
    }

    // Storage errors and timeouts (Azure SDK retries already spent) answer 503, never a 500; a cancelled request is not one.
    private static bool IsStorageFailure(Exception e, CancellationToken cancellationToken) =>
        e is Azure.RequestFailedException or HttpRequestException or AggregateException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static LookupResponse? Validate(string channelId, string? externalId, string? frontId, string frontPrefix)
    {
        if (!FrontIds.IsChannelId(channelId))
        {
            return LookupResponse.BadRequest("The channel id in the URL must be a Front channel id (\"cha_…\").");
        }

        if ((externalId is null) == (frontId is null))
        {
            return LookupResponse.BadRequest("Give exactly one of the query parameters external_id and front_id.");
        }

        if (externalId is not null && (externalId.Length == 0 || externalId.Length > MaxExternalIdLength))
        {
            return LookupResponse.BadRequest($"external_id must be 1 to {MaxExternalIdLength} characters.");
        }

        if (frontId is not null && !FrontIds.IsResourceId(frontId, frontPrefix))
        {
            return LookupResponse.BadRequest($"front_id must be a Front id starting with \"{frontPrefix}\".");
        }

        return null;
    }
}
