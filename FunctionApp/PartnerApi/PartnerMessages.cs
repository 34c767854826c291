using System.Text;
using System.Text.Json;
using FrontFunctions.Front;
using FrontFunctions.Http;
using FrontFunctions.IdMap;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.PartnerApi;

/// <summary>
/// <c>GET …/conversations/{externalConversationId}/messages</c>: the conversation's messages as Front lists them (newest
/// first), one page per call, with an opaque cursor that wraps the <c>page_token</c> of Front's <c>_pagination.next</c>.
/// Each message carries its external id: Front's <c>metadata.external_id</c>, else the map's; <c>null</c> for a message the
/// map does not know yet (a teammate's message sent some other way), which is then recorded in the map by its Front id.
/// </summary>
public sealed class PartnerMessages(PartnerTargets targets, FrontApiClient front, IdMapStore map, ILogger<PartnerMessages> logger)
{
    public const int DefaultLimit = 25;
    public const int MaxLimit = 100;
    private const string CursorPrefix = "c1.";

    public async Task<HttpAnswer> ListAsync(string channelId, string externalConversationId, string? limitText, string? cursor, CancellationToken cancellationToken)
    {
        const string route = "GET /conversations/{conversation_id}/messages";
        var limit = DefaultLimit;
        if (limitText is not null && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return HttpAnswer.BadRequest($"limit must be a whole number from 1 to {MaxLimit}.");
        }

        string? pageToken = null;
        if (cursor is not null && (pageToken = DecodeCursor(cursor)) is null)
        {
            return HttpAnswer.BadRequest("cursor must be the next_cursor of a previous answer, as it was given.");
        }

        var (conversation, problem) = await targets.ConversationAsync(channelId, externalConversationId, cancellationToken).ConfigureAwait(false);
        if (conversation is null)
        {
            return problem!;
        }

        FrontReply reply;
        try
        {
            reply = await front.ListConversationMessagesAsync(channelId, conversation.ConversationId, limit, pageToken, cancellationToken).ConfigureAwait(false);
        }
        catch (FrontApiException e)
        {
            return PartnerAnswers.NoAnswer(e, route, channelId, logger);
        }

        if (!reply.IsSuccess || reply.Body is not { ValueKind: JsonValueKind.Object } body
            || !body.TryGetProperty("_results", out var results) || results.ValueKind != JsonValueKind.Array)
        {
            return reply.IsSuccess ? HttpAnswer.Error(502, "front_unexpected", $"Front answered {route} without a list of messages.") : PartnerAnswers.FromFront(reply, route, channelId, logger);
        }

        var messages = await Task.WhenAll(results.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.Object)
            .Select(m => DescribeAsync(channelId, conversation.ConversationId, m, cancellationToken))).ConfigureAwait(false);
        return HttpAnswer.Ok(new
        {
            channel_id = channelId,
            conversation_id = conversation.ConversationId,
            external_conversation_id = externalConversationId,
            external_conversation_ids = conversation.ExternalConversationIds,
            messages,
            next_cursor = NextPageToken(body) is { } next ? EncodeCursor(next) : null,
        });
    }

    private async Task<object> DescribeAsync(string channelId, string conversationId, JsonElement m, CancellationToken cancellationToken)
    {
        var id = FrontJson.String(m, "id");
        var externalId = m.TryGetProperty("metadata", out var metadata) ? FrontJson.String(metadata, "external_id") : null;
        if (externalId is not { Length: > 0 } && FrontIds.IsResourceId(id, "msg_"))
        {
            externalId = await ExternalIdFromMapAsync(channelId, id!, conversationId, FrontJson.String(m, "message_uid"), cancellationToken).ConfigureAwait(false);
        }

        return new
        {
            message_id = id,
            external_id = externalId is { Length: > 0 } ? externalId : null,
            type = FrontJson.String(m, "type"),
            is_inbound = m.TryGetProperty("is_inbound", out var inbound) && inbound.ValueKind == JsonValueKind.True,
            created_at = m.TryGetProperty("created_at", out var created) && created.ValueKind == JsonValueKind.Number ? created.GetDouble() : (double?)null,
            subject = FrontJson.String(m, "subject"),
            blurb = FrontJson.String(m, "blurb"),
            text = FrontJson.String(m, "text"),
            author = m.TryGetProperty("author", out var a) && a.ValueKind == JsonValueKind.Object ? new { id = FrontJson.String(a, "id"), email = FrontJson.String(a, "email") } : null,
        };
    }

    /// <summary>The map's external id of a Front message; a message the map does not hold is recorded (no external id yet).</summary>
    private async Task<string?> ExternalIdFromMapAsync(string channelId, string messageId, string conversationId, string? messageUid, CancellationToken cancellationToken)
    {
        try
        {
            if (await map.GetMessageRowAsync(channelId, messageId, cancellationToken).ConfigureAwait(false) is { } row)
            {
                return row.ExternalId;
            }

            await map.RecordMessageAsync(channelId, messageId, conversationId, externalId: null, messageUid, cancellationToken: cancellationToken).ConfigureAwait(false);
            PartnerApiLog.MessageRecorded(logger, channelId, messageId, conversationId);
        }
        catch (Exception e) when (FailurePolicy.IsStorageUnavailable(e, cancellationToken))
        {
            PartnerApiLog.MessageNotRecorded(logger, channelId, messageId, e.GetType().Name);
        }

        return null;
    }

    private static string? NextPageToken(JsonElement body)
    {
        if (!body.TryGetProperty("_pagination", out var pagination) || FrontJson.String(pagination, "next") is not { Length: > 0 } next
            || !Uri.TryCreate(next, UriKind.Absolute, out var uri))
        {
            return null;
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals] == "page_token")
            {
                return Uri.UnescapeDataString(pair[(equals + 1)..]);
            }
        }

        return null;
    }

    /// <summary>The cursor the partner gets: <c>c1.</c> and the base64url of Front's page token (opaque: it may change).</summary>
    public static string EncodeCursor(string pageToken) =>
        CursorPrefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(pageToken)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string? DecodeCursor(string cursor)
    {
        if (!cursor.StartsWith(CursorPrefix, StringComparison.Ordinal) || cursor.Length > 2_000)
        {
            return null;
        }

        var text = cursor[CursorPrefix.Length..].Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        try
        {
            var token = Encoding.UTF8.GetString(Convert.FromBase64String(text));
            return token.Length > 0 && !token.Any(char.IsControl) ? token : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
