using System.Text.Json;
using System.Text.Json.Nodes;
using FrontFunctions.Channels;
using FrontFunctions.Front;
using FrontFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Imports;

/// <summary>
/// The import API: the partner system posts Front's <c>InboundMessage</c> / <c>OutboundMessage</c> here instead of to Front.
/// In order: the body is checked as Front checks it (400 naming each bad field); the channel must be active here (404
/// unknown, 410 deleted); the external id is reserved (insert-once: a repeat answers the first import's record and never
/// reaches Front); Front's sync endpoint is called with the channel token through the rate-limited, retrying client; the
/// row becomes <c>accepted</c> with Front's <c>message_uid</c>, the overdue check is queued, and the answer is 202.
/// Front still failing after retries (429, 5xx, timeouts): 503 / 502 and the reservation is removed, nothing half-written.
/// Front refusing (another 4xx): the row is <c>failed</c> with the reason and the answer 502; a later import may retry it.
/// </summary>
public sealed class ImportService(
    ImportStore imports,
    ImportCheck checks,
    ChannelRegistry channels,
    FrontApiClient front,
    IOptions<ImportOptions> options,
    ILogger<ImportService> logger)
{
    public async Task<HttpAnswer> ImportAsync(string channelId, bool inbound, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (!FrontIds.IsChannelId(channelId))
        {
            return HttpAnswer.BadRequest("The channel id in the URL must be a Front channel id (\"cha_…\").");
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return Invalid(["the body is not valid JSON"]);
        }

        var (draft, problems) = ImportRequestValidator.Validate(root, inbound);
        if (draft is null)
        {
            return Invalid(problems);
        }

        ImportEntity? reservation;
        try
        {
            var channel = await channels.FindAsync(channelId, cancellationToken).ConfigureAwait(false);
            if (channel is null)
            {
                return HttpAnswer.NotFound("This channel is unknown here: Front has not authorized it with this app.");
            }

            if (channel.Status == ChannelStatus.Deleted)
            {
                return HttpAnswer.Error(StatusCodes.Status410Gone, "channel_deleted", $"This channel was deleted at {channel.DeletedAt:O}; it takes no imports.");
            }

            (reservation, var existing) = await imports.ReserveAsync(channelId, draft, options.Value.ReservationLease, cancellationToken).ConfigureAwait(false);
            if (reservation is null)
            {
                if (existing!.Status == ImportStatus.Sending)
                {
                    return HttpAnswer.Error(StatusCodes.Status409Conflict, "in_progress", "An import of this external id is in progress; retry in a few seconds.");
                }

                ImportLog.Repeated(logger, channelId, existing.MessageUid, existing.Status);
                return HttpAnswer.Ok(ImportAnswer.From(existing.ToRecord()));
            }
        }
        catch (Exception e) when (FailurePolicy.IsStorageUnavailable(e, cancellationToken))
        {
            return StorageUnavailable(e, channelId);
        }

        string messageUid;
        try
        {
            messageUid = await front.ImportAsync(channelId, inbound, body, cancellationToken).ConfigureAwait(false);
        }
        catch (FrontApiException e) when (!e.Permanent || e.StatusCode is null)
        {
            await ReleaseQuietlyAsync(reservation, channelId).ConfigureAwait(false);
            ImportLog.FrontUnavailable(logger, channelId, e.StatusCode);
            return e.StatusCode == StatusCodes.Status429TooManyRequests
                ? HttpAnswer.Error(StatusCodes.Status503ServiceUnavailable, "front_rate_limited", "Front's rate limit still refused the import after retries; nothing was imported, retry later.")
                : HttpAnswer.Error(StatusCodes.Status502BadGateway, "front_unavailable", $"Front did not accept the import ({(e.StatusCode is { } s ? s.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no answer")}, after retries); nothing was imported, retry later.");
        }
        catch (FrontApiException e)
        {
            var reason = "Front refused the import: " + e.Reason;
            try
            {
                await imports.FailAsync(channelId, draft.ExternalId, reservation.ReservationId, null, reason, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception recordFailure) when (FailurePolicy.IsStorageUnavailable(recordFailure, CancellationToken.None))
            {
                await ReleaseQuietlyAsync(reservation, channelId).ConfigureAwait(false);
            }

            ImportLog.FrontRefused(logger, channelId, e.StatusCode);
            return HttpAnswer.Error(StatusCodes.Status502BadGateway, "front_refused", reason);
        }

        try
        {
            // Front has the message now: record it even if the caller has gone.
            var accepted = await imports.AcceptAsync(reservation, messageUid, CancellationToken.None).ConfigureAwait(false);
            await checks.ScheduleAsync(channelId, draft.ExternalId, messageUid, CancellationToken.None).ConfigureAwait(false);
            ImportLog.Accepted(logger, channelId, messageUid, inbound);
            return new HttpAnswer(StatusCodes.Status202Accepted, ImportAnswer.From(accepted.ToRecord()));
        }
        catch (Exception e) when (FailurePolicy.IsStorageUnavailable(e, CancellationToken.None))
        {
            // Front accepted it; the reservation stays (its lease ends it), so a retry cannot import it twice meanwhile.
            return StorageUnavailable(e, channelId);
        }
    }

    private static HttpAnswer Invalid(IReadOnlyList<string> problems) =>
        new(StatusCodes.Status400BadRequest, new { type = "bad_request", message = string.Join("; ", problems), errors = problems });

    private async Task ReleaseQuietlyAsync(ImportEntity reservation, string channelId)
    {
        try
        {
            await imports.ReleaseAsync(reservation, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (FailurePolicy.IsStorageUnavailable(e, CancellationToken.None))
        {
            ImportLog.ReservationKept(logger, channelId, e.GetType().Name); // the lease frees it
        }
    }

    private HttpAnswer StorageUnavailable(Exception e, string channelId)
    {
        ImportLog.StorageUnavailable(logger, channelId, e.GetType().Name);
        return HttpAnswer.StorageUnavailable("Storage is unavailable; retry later.");
    }
}

/// <summary>The import API's answer body (202 first time, 200 for a repeat).</summary>
public sealed record ImportAnswer(
    [property: System.Text.Json.Serialization.JsonPropertyName("status")] string Status,
    [property: System.Text.Json.Serialization.JsonPropertyName("channel_id")] string ChannelId,
    [property: System.Text.Json.Serialization.JsonPropertyName("external_id")] string ExternalId,
    [property: System.Text.Json.Serialization.JsonPropertyName("external_conversation_id")] string? ExternalConversationId,
    [property: System.Text.Json.Serialization.JsonPropertyName("message_uid")] string? MessageUid,
    [property: System.Text.Json.Serialization.JsonPropertyName("message_id")] string? MessageId,
    [property: System.Text.Json.Serialization.JsonPropertyName("conversation_id")] string? ConversationId,
    [property: System.Text.Json.Serialization.JsonPropertyName("reason")] string? Reason)
{
    public static ImportAnswer From(ImportRecord r) =>
        new(r.Status, r.ChannelId, r.ExternalId, r.ExternalConversationId, r.MessageUid, r.MessageId, r.ConversationId, r.Reason);
}
