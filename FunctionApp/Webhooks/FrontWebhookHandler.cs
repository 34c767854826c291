using System.Runtime.CompilerServices;
using FrontFunctions.Channels;
using FrontFunctions.Front;
using FrontFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using FrontFunctions.Ingest;

namespace FrontFunctions.Webhooks;

/// <summary>
/// Decides what a webhook request from Front means and answers it. The order is fixed: method → signature → content type
/// and encoding → envelope (UTF-8, JSON, no duplicate keys, shape) → type. Nothing is written before the signature and the
/// envelope have been accepted, and an answer of 200 for <c>message_imported</c> is given only after the queue write
/// succeeded. Storage failures are thrown on to the HTTP edge (<see cref="HttpEdge"/>), which answers 503 and counts the answer.
/// <para>
/// Replays (<see cref="ReplayGuard"/>): a signature accepted once is claimed for what it did — <c>delete|{channel}</c>,
/// <c>authorization|{channel}</c> here, on the answer path (rare requests); a <c>message_imported</c>'s signature rides in the
/// queued notification and is claimed by enrichment, off the answer path. The same signature used for anything else is
/// refused with 409 and changes nothing.
/// </para>
/// </summary>
public sealed class FrontWebhookHandler(
    FrontSignatureVerifier verifier,
    IngestQueue queue,
    ChannelRegistry channels,
    ChannelDeletion deletion,
    ReplayGuard replays,
    Outbound.OutboundAnswerer outbound,
    IOptions<FrontOptions> options,
    TimeProvider time,
    ILogger<FrontWebhookHandler> logger)
{
    /// <summary><c>POST /api/front/channels</c>: the app-level URL, where Front sends <c>authorization</c>.</summary>
    public Task<HttpAnswer> HandleAppRequestAsync(WebhookRequest request, CancellationToken cancellationToken) =>
        MeasuredAsync(request, seen =>
        {
            if (request.Method != "POST")
            {
                return Task.FromResult(MethodNotAllowed(request.Method, "POST"));
            }

            return HandleAsync(request, seen, cancellationToken);
        });

    /// <summary><c>POST|DELETE /api/front/channels/{channelId}</c>: the per-channel URL answered to <c>authorization</c>.</summary>
    public Task<HttpAnswer> HandleChannelRequestAsync(WebhookRequest request, CancellationToken cancellationToken) =>
        MeasuredAsync(request, seen =>
        {
            if (request.Method is not ("POST" or "DELETE"))
            {
                return Task.FromResult(MethodNotAllowed(request.Method, "POST, DELETE"));
            }

            if (!FrontIds.IsChannelId(request.ChannelId))
            {
                return Task.FromResult(HttpAnswer.BadRequest("The channel id in the URL must be a Front channel id (\"cha_…\")."));
            }

            return HandleAsync(request, seen, cancellationToken);
        });

    /// <summary>
    /// Runs one request in its span; the envelope's type, once read, goes to <see cref="WebhookRequest.SeenType"/>, which the
    /// HTTP edge counts the answer under (<c>front.webhooks</c>).
    /// </summary>
    private static async Task<HttpAnswer> MeasuredAsync(WebhookRequest request, Func<StrongBox<string?>, Task<HttpAnswer>> handle)
    {
        using var activity = Telemetry.FrontTracing.StartWebhook(request.ChannelId);
        var answer = await handle(request.SeenType).ConfigureAwait(false);
        activity?.SetTag("front.webhook_type", request.SeenType.Value).SetTag("http.response.status_code", answer.StatusCode);
        return answer;
    }

    /// <summary>
    /// Front waits about 7 s for an answer. The storage clients' retry budget (3 tries of up to 2 s each, plus back-off) alone
    /// does not keep a webhook under that when storage hangs — a frozen account accepts the connection and never answers, and
    /// on a loaded machine it answered after 7.0 s (StorageOutageTests) — so the whole answer has this deadline: past it, the
    /// storage work is cancelled (an <see cref="OperationCanceledException"/> the caller did not cause) and the HTTP edge
    /// answers Front 503 (<see cref="FailurePolicy.IsStorageUnavailable"/>), so Front retries.
    /// </summary>
    public static readonly TimeSpan AnswerDeadline = TimeSpan.FromSeconds(4.5);

    private async Task<HttpAnswer> HandleAsync(WebhookRequest request, StrongBox<string?> seen, CancellationToken requestAborted)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        deadline.CancelAfter(AnswerDeadline);
        return await HandleWithinDeadlineAsync(request, seen, deadline.Token).ConfigureAwait(false);
    }

    private async Task<HttpAnswer> HandleWithinDeadlineAsync(WebhookRequest request, StrongBox<string?> seen, CancellationToken cancellationToken)
    {
        // Front signs the literal "undefined" as the body of a DELETE (and GET); an empty DELETE body is verified as that.
        var isDelete = request.Method == "DELETE";
        var signedBody = isDelete && request.Body.IsEmpty ? FrontSignatureVerifier.UndefinedBody : request.Body.Span;
        var check = verifier.Verify(request.Timestamp, request.Signature, signedBody);
        if (check != SignatureCheck.Valid)
        {
            WebhookLog.SignatureRejected(logger, request.Method, request.ChannelId, check);
            return HttpAnswer.Unauthorized(SignatureMessage(check));
        }

        var signed = new Signed(ReplayGuard.KeyOf(request.Signature)!, ReplayGuard.SignedAt(request.Timestamp)!.Value);
        if (isDelete && (request.Body.IsEmpty || request.Body.Span.SequenceEqual(FrontSignatureVerifier.UndefinedBody)))
        {
            seen.Value = FrontWebhookEnvelope.Delete;
            return await DeleteAsync(request.ChannelId!, signed, cancellationToken).ConfigureAwait(false);
        }

        // Only a correctly signed request is told what is wrong with its body.
        if (JsonContent.UnsupportedProblem(request.ContentType, request.ContentEncoding) is { } unsupported)
        {
            WebhookLog.BodyRejected(logger, request.Method, request.ChannelId, unsupported);
            return HttpAnswer.UnsupportedMediaType(unsupported);
        }

        var envelope = FrontWebhookEnvelope.TryParse(request.Body, out var problem);
        if (envelope is null)
        {
            WebhookLog.BodyRejected(logger, request.Method, request.ChannelId, problem!);
            return HttpAnswer.BadRequest(problem!);
        }

        seen.Value = envelope.Type;
        return (envelope.Type, request.ChannelId) switch
        {
            (FrontWebhookEnvelope.Authorization, null) => await AuthorizeAsync(envelope, signed, cancellationToken).ConfigureAwait(false),
            (FrontWebhookEnvelope.Authorization, _) => HttpAnswer.BadRequest("\"authorization\" is sent to the app's URL (/api/front/channels), not to a channel's URL."),
            (FrontWebhookEnvelope.Delete, { } channelId) => await DeleteAsync(channelId, envelope, signed, cancellationToken).ConfigureAwait(false),
            (FrontWebhookEnvelope.MessageImported, { } channelId) => await QueueImportedAsync(channelId, envelope, request.Body, signed, cancellationToken).ConfigureAwait(false),
            (FrontWebhookEnvelope.Message or FrontWebhookEnvelope.MessageAutoreply, { } channelId) => await AnswerOutboundAsync(channelId, envelope, cancellationToken).ConfigureAwait(false),
            (FrontWebhookEnvelope.Delete or FrontWebhookEnvelope.MessageImported or FrontWebhookEnvelope.Message or FrontWebhookEnvelope.MessageAutoreply, null) =>
                HttpAnswer.BadRequest($"\"{envelope.Type}\" is sent to a channel's URL (/api/front/channels/{{channelId}}), not to the app's URL."),
            _ => HttpAnswer.BadRequest($"Unknown request type \"{Truncate(envelope.Type)}\"."),
        };
    }

    private async Task<HttpAnswer> AuthorizeAsync(FrontWebhookEnvelope envelope, Signed signed, CancellationToken cancellationToken)
    {
        var channelId = envelope.Payload.TryGetProperty("channel_id", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String
            ? id.GetString()
            : null;
        if (!FrontIds.IsChannelId(channelId))
        {
            return HttpAnswer.BadRequest("The authorization payload has no usable channel_id (a \"cha_…\" id).");
        }

        if (!await replays.ClaimAsync(signed.Key, signed.At, "authorization|" + channelId, cancellationToken).ConfigureAwait(false))
        {
            return Replayed("authorization", channelId!);
        }

        // An authorization signed before the channel was deleted here is an old request (a replay of it would bring a
        // removed channel back): Front's real re-authorization is signed after the delete.
        if (await channels.FindAsync(channelId!, cancellationToken).ConfigureAwait(false) is { Status: ChannelStatus.Deleted, DeletedAt: { } deletedAt }
            && signed.At < deletedAt)
        {
            WebhookLog.AuthorizationOlderThanDelete(logger, channelId!);
            return HttpAnswer.Error(StatusCodes.Status409Conflict, "conflict", "This authorization was signed before the channel was deleted; nothing was changed.");
        }

        await channels.AuthorizeAsync(channelId!, cancellationToken).ConfigureAwait(false);

        // The channel webhook's own route declaration (its [HttpTrigger] Route), under the host's "api" prefix.
        var channelPath = WebhookRoutes.Channel.Replace("{channelId}", channelId, StringComparison.Ordinal);
        var webhookUrl = new Uri(options.Value.PublicBaseUrl, "api/" + channelPath).AbsoluteUri;
        WebhookLog.Authorized(logger, channelId!);
        return HttpAnswer.Ok(new { type = "success", webhook_url = webhookUrl });
    }

    private Task<HttpAnswer> DeleteAsync(string channelId, FrontWebhookEnvelope envelope, Signed signed, CancellationToken cancellationToken)
    {
        // Current docs send {"channel_id": …}; older ones no body. When present it must name the channel of the URL.
        if (envelope.Payload.TryGetProperty("channel_id", out var id)
            && (id.ValueKind != System.Text.Json.JsonValueKind.String || id.GetString() != channelId))
        {
            return Task.FromResult(HttpAnswer.BadRequest("The delete payload's channel_id does not match the channel in the URL."));
        }

        return DeleteAsync(channelId, signed, cancellationToken);
    }

    private async Task<HttpAnswer> DeleteAsync(string channelId, Signed signed, CancellationToken cancellationToken)
    {
        if (!await replays.ClaimAsync(signed.Key, signed.At, "delete|" + channelId, cancellationToken).ConfigureAwait(false))
        {
            return Replayed("delete", channelId);
        }

        var outcome = await deletion.DeleteAsync(channelId, cancellationToken).ConfigureAwait(false);

        switch (outcome)
        {
            case ChannelDeletionOutcome.StillAlive:
                WebhookLog.DeleteRefusedChannelAlive(logger, channelId);
                return HttpAnswer.Error(StatusCodes.Status409Conflict, "conflict", "Front still answers for this channel; it was not marked deleted.");
            case ChannelDeletionOutcome.DeletedUnconfirmed:
                WebhookLog.DeleteUnconfirmed(logger, channelId);
                break;
        }

        WebhookLog.Deleted(logger, channelId);
        return HttpAnswer.Success;
    }

    private HttpAnswer Replayed(string requestType, string channelId)
    {
        WebhookLog.ReplayRefused(logger, requestType, channelId);
        return HttpAnswer.Error(StatusCodes.Status409Conflict, "replayed", "This signature was already used for another request; nothing was changed.");
    }

    /// <summary>The accepted signature: its <see cref="ReplayGuard.KeyOf"/> key and its signed time.</summary>
    private readonly record struct Signed(string Key, DateTimeOffset At);

    private async Task<HttpAnswer> QueueImportedAsync(
        string channelId, FrontWebhookEnvelope envelope, ReadOnlyMemory<byte> body, Signed signed, CancellationToken cancellationToken)
    {
        var notification = ImportedMessageReader.TryRead(channelId, envelope, time.GetUtcNow(), out var problem);
        if (notification is null)
        {
            WebhookLog.BodyRejected(logger, "POST", channelId, problem!);
            return HttpAnswer.BadRequest(problem!);
        }

        // Claimed when the item is enriched (IngestProcessor), not here: nothing but a hash on the answer path.
        notification = notification with { SignatureKey = signed.Key, SignedAt = signed.At };

        await queue.EnqueueAsync(notification, body, cancellationToken).ConfigureAwait(false);

        WebhookLog.Queued(logger, channelId, notification.MessageId, notification.DeliveryKey);
        return HttpAnswer.Success;
    }

    private async Task<HttpAnswer> AnswerOutboundAsync(string channelId, FrontWebhookEnvelope envelope, CancellationToken cancellationToken)
    {
        var answer = await outbound.AnswerAsync(channelId, envelope, cancellationToken).ConfigureAwait(false);
        if (answer.StatusCode == 400)
        {
            WebhookLog.BodyRejected(logger, "POST", channelId, "the " + envelope.Type + " payload is unusable");
        }

        return answer;
    }

    private static HttpAnswer MethodNotAllowed(string method, string allowed) =>
        HttpAnswer.MethodNotAllowed($"{Truncate(method)} is not allowed here; use {allowed}.");

    private static string SignatureMessage(SignatureCheck check) => check switch
    {
        SignatureCheck.MissingHeaders => "X-Front-Signature and X-Front-Request-Timestamp are required.",
        SignatureCheck.RepeatedHeader => "X-Front-Signature and X-Front-Request-Timestamp must each be given once; a header given more than once (or as a list) is refused.",
        SignatureCheck.MalformedTimestamp => "X-Front-Request-Timestamp must be milliseconds since the epoch.",
        SignatureCheck.MalformedSignature => "X-Front-Signature must be a base64 HMAC-SHA256.",
        SignatureCheck.StaleTimestamp => "X-Front-Request-Timestamp is too far from now.",
        _ => "The signature does not match.",
    };

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
