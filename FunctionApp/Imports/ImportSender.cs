using System.Globalization;
using FrontFunctions.Front;
using FrontFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Imports;

/// <summary>
/// One Front call for a reserved import and what its outcome means, the only place an import reaches Front (the partner's
/// request through <see cref="ImportService"/>, an operator's "send again" through <see cref="UnknownImports"/>):
/// <list type="bullet">
/// <item>202 with a <c>message_uid</c>: <c>accepted</c>, the overdue check queued (recorded on the row), answer 202.</item>
/// <item>Proof Front did not act (a 429 after the client's retries, a connection never made): the reservation is released,
/// answer 503 with <c>Retry-After</c> (nothing was imported; the same request may be sent again).</item>
/// <item>Front refused it (a 4xx other than 408/429): <c>failed</c> with the reason, answer 502 (a new request may retry it).</item>
/// <item>Anything else (attempt timeout, a connection dropped after the request was written, a 5xx, an answer without a
/// uid, the request aborted by scale-in or shutdown): Front may have the message, so it is never sent again automatically:
/// <c>unknown</c>, answer 202 with that status.</item>
/// </list>
/// Everything after the Front call is written with <see cref="CancellationToken.None"/>: Front may have acted, the row must say so.
/// </summary>
public sealed class ImportSender(ImportStore imports, ImportCheck checks, FrontApiClient front, FrontAttachmentClient multipart, ILogger<ImportSender> logger)
{
    /// <summary>The <c>Retry-After</c> of a 503 answered when Front provably did not act.</summary>
    public const int RetryAfterSeconds = 10;

    /// <param name="again">
    /// An operator's "send again" of an <c>unknown</c> import: the first call may have landed, so every outcome but Front's
    /// 202 puts the row back to <c>unknown</c> (with the new reason) instead of releasing or failing it.
    /// </param>
    /// <param name="files">
    /// The import's attachments: sent to Front as <c>multipart/form-data</c>. Such a body is not kept on an <c>unknown</c> row
    /// (an operator's "send again" would lose the files), so the row says its body was not kept.
    /// </param>
    public async Task<HttpAnswer> SendAsync(ImportEntity reservation, ReadOnlyMemory<byte> body, CancellationToken cancellationToken, bool again = false, IReadOnlyList<FrontUploadFile>? files = null)
    {
        var channelId = reservation.PartitionKey;
        var kept = files is { Count: > 0 } ? ReadOnlyMemory<byte>.Empty : body;
        var externalId = reservation.ExternalId!;
        string messageUid;
        try
        {
            messageUid = files is { Count: > 0 }
                ? await multipart.ImportAsync(channelId, reservation.Inbound, body, files, cancellationToken).ConfigureAwait(false)
                : await front.ImportAsync(channelId, reservation.Inbound, body, cancellationToken).ConfigureAwait(false);
        }
        catch (FrontApiException e) when (again)
        {
            return await UnknownAsync(reservation, kept, "Sent again by an operator; Front did not accept it this time (" + e.Reason + ") The first import may still exist.", e.StatusCode).ConfigureAwait(false);
        }
        catch (FrontApiException e) when (e.ProvedNotActed)
        {
            await ReleaseQuietlyAsync(reservation, channelId).ConfigureAwait(false);
            ImportLog.FrontUnavailable(logger, channelId, e.StatusCode);
            return e.StatusCode == StatusCodes.Status429TooManyRequests
                ? RetryLater("front_rate_limited", "Front's rate limit still refused the import after retries; nothing was imported, retry later.")
                : RetryLater("front_unreachable", "Front could not be reached (the connection was never made); nothing was imported, retry later.");
        }
        catch (FrontApiException e) when (e.Permanent && e.StatusCode is >= 400 and < 500)
        {
            var reason = "Front refused the import: " + e.Reason;
            try
            {
                await imports.FailAsync(channelId, externalId, reservation.ReservationId, null, reason, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception recordFailure) when (FailurePolicy.IsStorageUnavailable(recordFailure, CancellationToken.None))
            {
                await ReleaseQuietlyAsync(reservation, channelId).ConfigureAwait(false); // Front refused it: nothing exists
            }

            ImportLog.FrontRefused(logger, channelId, e.StatusCode);
            return HttpAnswer.Error(StatusCodes.Status502BadGateway, "front_refused", reason);
        }
        catch (FrontApiException e)
        {
            return await UnknownAsync(reservation, kept, "Front's answer to the import was lost (" + e.Reason + ") Front may have the message; it is not sent again automatically.", e.StatusCode).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await UnknownAsync(reservation, kept, "The import's request was aborted while Front was being called (scale-in, shutdown or the caller gone); Front may have the message.", null).ConfigureAwait(false);
            throw;
        }

        try
        {
            // Front has the message now: record it even if the caller has gone.
            var accepted = await imports.AcceptAsync(reservation, messageUid, CancellationToken.None).ConfigureAwait(false);
            await ScheduleCheckAsync(channelId, externalId, messageUid).ConfigureAwait(false);
            ImportLog.Accepted(logger, channelId, messageUid, reservation.Inbound);
            return new HttpAnswer(StatusCodes.Status202Accepted, ImportAnswer.From(accepted.ToRecord()));
        }
        catch (Exception e) when (FailurePolicy.IsStorageUnavailable(e, CancellationToken.None))
        {
            // Front accepted it; the reservation stays (its lease makes it unknown), so a retry cannot import it twice.
            ImportLog.StorageUnavailable(logger, channelId, e.GetType().Name);
            return HttpAnswer.StorageUnavailable("Storage is unavailable; retry later.");
        }
    }

    /// <summary>
    /// Queues the overdue check of an accepted import and records it on the row. A failure is logged, not thrown: the row
    /// stays without <see cref="ImportEntity.CheckScheduled"/>, and the partner's repeat of the import queues it.
    /// </summary>
    public async Task ScheduleCheckAsync(string channelId, string externalId, string messageUid)
    {
        try
        {
            await checks.ScheduleAsync(channelId, externalId, messageUid, CancellationToken.None).ConfigureAwait(false);
            await imports.MarkCheckScheduledAsync(channelId, externalId, messageUid, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (FailurePolicy.IsStorageUnavailable(e, CancellationToken.None))
        {
            ImportLog.CheckNotScheduled(logger, channelId, messageUid, e.GetType().Name);
        }
    }

    private async Task<HttpAnswer> UnknownAsync(ImportEntity reservation, ReadOnlyMemory<byte> body, string reason, int? statusCode)
    {
        var channelId = reservation.PartitionKey;
        ImportLog.OutcomeUnknown(logger, channelId, statusCode);
        try
        {
            var row = await imports.UnknownAsync(reservation, reason, body, CancellationToken.None).ConfigureAwait(false);
            return new HttpAnswer(StatusCodes.Status202Accepted, ImportAnswer.From((row ?? reservation).ToRecord()));
        }
        catch (Exception e) when (FailurePolicy.IsStorageUnavailable(e, CancellationToken.None))
        {
            // The row stays sending; its lease makes it unknown. Never "nothing imported".
            ImportLog.StorageUnavailable(logger, channelId, e.GetType().Name);
            return HttpAnswer.StorageUnavailable("Front's answer to the import was lost and storage is unavailable; do not send it under another id — retry this request later to read its status.");
        }
    }

    private static HttpAnswer RetryLater(string type, string message) =>
        new HttpAnswer(StatusCodes.Status503ServiceUnavailable, new ImportRetryLater(type, message, RetryAfterSeconds)).WithRetryAfter(RetryAfterSeconds);

    private async Task ReleaseQuietlyAsync(ImportEntity reservation, string channelId)
    {
        try
        {
            await imports.ReleaseAsync(reservation, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (FailurePolicy.IsStorageUnavailable(e, CancellationToken.None))
        {
            ImportLog.ReservationKept(logger, channelId, e.GetType().Name); // the lease makes it unknown
        }
    }
}

/// <summary>A 503 answer's body: nothing was imported; <c>retry_after_seconds</c> is also sent as <c>Retry-After</c> (the answer's header).</summary>
public sealed record ImportRetryLater(
    [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type,
    [property: System.Text.Json.Serialization.JsonPropertyName("message")] string Message,
    [property: System.Text.Json.Serialization.JsonPropertyName("retry_after_seconds")] int RetryAfterSeconds)
{
    public string RetryAfterHeader => RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
}
