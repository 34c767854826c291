using System.Globalization;
using FrontFunctions.Channels;
using FrontFunctions.Front;
using FrontFunctions.Http;
using FrontFunctions.IdMap;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Attachments;

/// <summary>
/// <c>GET /api/channels/{channelId}/messages/{externalMessageId}/attachments/{n}</c>: the partner's external message id
/// through the map to Front's message, its n-th attachment from <c>GET /messages/{id}</c>, and the file streamed from
/// <c>GET /messages/{id}/download/{attachment_link_id}</c> with the channel token (the Front client's pipeline: retry, rate
/// gate, shared budget). Answers: 404 unknown channel / unknown external id (named) / n out of range; 410 deleted channel;
/// 413 over <see cref="AttachmentOptions.MaxDownloadBytes"/>; Front's 403/404/410 passed on with Front's message; Front's 429
/// (after the client's retries) 503 with <c>Retry-After</c>; anything else from Front 502. Never 500.
/// </summary>
public sealed class AttachmentDownload(
    IdMapStore map,
    ChannelRegistry channels,
    FrontAttachmentClient front,
    IOptions<AttachmentOptions> options,
    ILogger<AttachmentDownload> logger)
{
    public async Task<IActionResult> OpenAsync(string channelId, string externalMessageId, string index, CancellationToken cancellationToken)
    {
        if (!FrontIds.IsChannelId(channelId))
        {
            return HttpAnswer.BadRequest("The channel id in the URL must be a Front channel id (\"cha_…\").").ToResult();
        }

        // Routing leaves an escaped '/' (%2F) escaped in a route value: an external id may contain '/'.
        var externalId = externalMessageId.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        if (externalId.Length is 0 or > 200)
        {
            return HttpAnswer.BadRequest("The external message id must be 1 to 200 characters (Front's limit on metadata.external_id).").ToResult();
        }

        if (!int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return HttpAnswer.BadRequest("The attachment number must be a whole number from 0 (the event's attachments, in order).").ToResult();
        }

        MappedMessage? message;
        try
        {
            var channel = await channels.FindAsync(channelId, cancellationToken).ConfigureAwait(false);
            if (channel is null)
            {
                return HttpAnswer.NotFound("This channel is unknown here: Front has not authorized it with this app.").ToResult();
            }

            if (channel.Status == ChannelStatus.Deleted)
            {
                return HttpAnswer.Error(StatusCodes.Status410Gone, "channel_deleted", $"This channel was deleted at {channel.DeletedAt:O}; its attachments are no longer reachable.").ToResult();
            }

            message = await map.FindMessageByExternalIdAsync(channelId, externalId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (FailurePolicy.IsStorageUnavailable(e, cancellationToken))
        {
            AttachmentLog.StorageUnavailable(logger, channelId, e.GetType().Name);
            return HttpAnswer.StorageUnavailable("Storage is unavailable; retry later.").ToResult();
        }

        if (message is null)
        {
            return HttpAnswer.NotFound($"No message with external id \"{externalId}\" is known on this channel.").ToResult();
        }

        try
        {
            var (attachments, refused) = await front.GetAttachmentsAsync(channelId, message.MessageId, cancellationToken).ConfigureAwait(false);
            if (refused is not null)
            {
                return Refused(refused, channelId, message.MessageId, "GET /messages/{message_id}");
            }

            if (n >= attachments!.Count)
            {
                return HttpAnswer.NotFound($"Message \"{externalId}\" has {attachments.Count} attachment(s); {n} is out of range (they are numbered from 0).").ToResult();
            }

            var attachment = attachments[n];
            var limit = options.Value.MaxDownloadBytes;
            if (attachment.Size > limit)
            {
                AttachmentLog.TooLarge(logger, channelId, message.MessageId, n, attachment.Size.Value, limit);
                return TooLarge(attachment.Size.Value, limit);
            }

            if ((attachment.Id ?? LinkIdFrom(attachment.Url)) is not { Length: > 0 } linkId)
            {
                return HttpAnswer.Error(StatusCodes.Status502BadGateway, "front_error", "Front listed this attachment without an id or a download URL.").ToResult();
            }

            var (response, refusedDownload) = await front.DownloadAsync(channelId, message.MessageId, linkId, cancellationToken).ConfigureAwait(false);
            if (refusedDownload is not null)
            {
                return Refused(refusedDownload, channelId, message.MessageId, "GET /messages/{message_id}/download/{attachment_link_id}");
            }

            if (response!.Content.Headers.ContentLength > limit)
            {
                var length = response.Content.Headers.ContentLength.Value;
                response.Dispose();
                AttachmentLog.TooLarge(logger, channelId, message.MessageId, n, length, limit);
                return TooLarge(length, limit);
            }

            return new AttachmentStreamResult(response, new AttachmentStreamResult.Target(channelId, message.MessageId, n, attachment.FileName, attachment.ContentType, limit), logger);
        }
        catch (FrontApiException e)
        {
            AttachmentLog.FrontUnreachable(logger, channelId, message.MessageId, n, e.Reason);
            return HttpAnswer.Error(StatusCodes.Status502BadGateway, "front_unreachable", "Front did not answer the attachment request (" + e.Reason + ") Retry later.").ToResult();
        }
    }

    /// <summary>The last path segment of Front's attachment <c>url</c> (<c>…/download/fil_…</c>), used when the id is missing.</summary>
    private static string? LinkIdFrom(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Segments is [.., var last] && last.Trim('/') is { Length: > 0 } id
            ? Uri.UnescapeDataString(id)
            : null;

    private static IActionResult TooLarge(long size, long limit) =>
        HttpAnswer.PayloadTooLarge($"The attachment is {size} bytes; this app streams at most {limit} bytes (setting Attachments__MaxDownloadBytes).").ToResult();

    private IActionResult Refused(FrontRefusal refusal, string channelId, string messageId, string route)
    {
        AttachmentLog.RefusedByFront(logger, channelId, messageId, route, refusal.Status);
        var said = refusal.FrontMessage is { } m ? ": " + m : ".";
        return refusal.Status switch
        {
            StatusCodes.Status403Forbidden => HttpAnswer.Error(403, "front_forbidden", $"Front refused the channel token for {route}{said}").ToResult(),
            StatusCodes.Status404NotFound => HttpAnswer.Error(404, "front_not_found", $"Front does not know this for {route}{said}").ToResult(),
            StatusCodes.Status410Gone => HttpAnswer.Error(410, "front_gone", $"Front says it is gone ({route}){said}").ToResult(),
            StatusCodes.Status429TooManyRequests => new RetryLaterResult(
                HttpAnswer.Error(503, "front_rate_limited", $"Front's rate limit still refused {route} after retries; retry after {refusal.RetryAfterSeconds} s."),
                refusal.RetryAfterSeconds ?? 10),
            _ => HttpAnswer.Error(502, "front_error", $"Front answered {refusal.Status} to {route}{said}").ToResult(),
        };
    }
}

/// <summary>An answer with a <c>Retry-After</c> header (seconds).</summary>
public sealed class RetryLaterResult(HttpAnswer answer, int retryAfterSeconds) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.HttpContext.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return answer.ToResult().ExecuteResultAsync(context);
    }
}
