using System.Text.Json.Serialization;
using FrontFunctions.Front;
using FrontFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Imports;

/// <summary>
/// The operator's side of <c>unknown</c> imports (the console's "Imports with an unknown outcome" list): Front's answer was
/// lost, so the app does not know whether Front created the message, and it never sends it again on its own. Front's
/// <c>message_imported</c> settles such an import as <c>imported</c>; the overdue check cannot look it up (there is no
/// <c>message_uid</c>), so an import still <c>unknown</c> after <see cref="ImportOptions.OverdueAfter"/> waits here for a
/// person: check Front's inbox, then "send again" — which may create a second copy in Front if the first one did land.
/// </summary>
public sealed class UnknownImports(
    ImportStore imports,
    ImportSender sender,
    IOptions<ImportOptions> options,
    TimeProvider time,
    ILogger<UnknownImports> logger)
{
    public const int MaxListed = 500;

    public async Task<UnknownImportsView> ListAsync(string? channelId, CancellationToken cancellationToken)
    {
        // A reservation whose request died (host killed between reserving and recording) is unknown too: settle it first.
        await imports.ExpireStaleReservationsAsync(channelId, options.Value.ReservationLease, cancellationToken).ConfigureAwait(false);
        var rows = await imports.ListUnknownAsync(channelId, MaxListed + 1, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var window = options.Value.OverdueAfter;
        var items = rows.Take(MaxListed).Select(r =>
        {
            var since = r.UnknownAt ?? r.ReservedAt ?? now;
            return new UnknownImportView(
                r.PartitionKey, r.ExternalId ?? "", r.ExternalConversationId, r.Inbound ? "inbound" : "outbound", since, r.Reason,
                SendAgainFrom: since + window,
                CanSendAgain: r.Body is { Length: > 0 } && now - since >= window,
                BodyKept: r.Body is { Length: > 0 },
                SentAgain: r.SentAgain ?? 0);
        }).OrderBy(v => v.Since).ToList();
        return new UnknownImportsView(items, rows.Count > MaxListed);
    }

    /// <summary>
    /// Sends an <c>unknown</c> import to Front again, as the operator asked (the risk is theirs: Front may then hold two copies).
    /// 404 no such import, 409 not <c>unknown</c> any more / body not kept / the notification window not over yet.
    /// </summary>
    public async Task<HttpAnswer> SendAgainAsync(string channelId, string externalId, CancellationToken cancellationToken)
    {
        if (!FrontIds.IsChannelId(channelId) || externalId.Length == 0 || ImportRequestValidator.IdLength(externalId) > ImportRequestValidator.MaxIdLength)
        {
            return HttpAnswer.BadRequest("Give channel_id (cha_…) and external_id (1 to 200 characters).");
        }

        var (reservation, current) = await imports.ReserveToSendAgainAsync(channelId, externalId, options.Value.OverdueAfter, cancellationToken).ConfigureAwait(false);
        if (reservation is null)
        {
            return current switch
            {
                null => HttpAnswer.NotFound("No import with that external id in this channel."),
                { Status: not ImportStatus.Unknown } => HttpAnswer.Error(StatusCodes.Status409Conflict, "not_unknown", $"This import is {current.Status} now; nothing was sent."),
                { Body: null or { Length: 0 } } => HttpAnswer.Error(StatusCodes.Status409Conflict, "body_not_kept",
                    $"The request body was not kept (larger than {ImportTransitions.MaxKeptBodyBytes} bytes, or it carried attachments); ask the partner to resend it under a new external id."),
                _ => HttpAnswer.Error(StatusCodes.Status409Conflict, "too_early",
                    $"Front's notification may still come until {(current.UnknownAt ?? time.GetUtcNow()) + options.Value.OverdueAfter:O}; nothing was sent."),
            };
        }

        var answer = await sender.SendAsync(reservation, reservation.Body, CancellationToken.None, again: true).ConfigureAwait(false);
        ImportLog.SentAgain(logger, channelId, answer.StatusCode);
        return answer;
    }
}

/// <summary>One <c>unknown</c> import as the console lists it.</summary>
public sealed record UnknownImportView(
    [property: JsonPropertyName("channel_id")] string ChannelId,
    [property: JsonPropertyName("external_id")] string ExternalId,
    [property: JsonPropertyName("external_conversation_id")] string? ExternalConversationId,
    [property: JsonPropertyName("direction")] string Direction,
    [property: JsonPropertyName("since")] DateTimeOffset Since,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("send_again_from")] DateTimeOffset SendAgainFrom,
    [property: JsonPropertyName("can_send_again")] bool CanSendAgain,
    [property: JsonPropertyName("body_kept")] bool BodyKept,
    [property: JsonPropertyName("sent_again")] int SentAgain);

/// <summary>GET /api/console/imports/unknown.</summary>
public sealed record UnknownImportsView(
    [property: JsonPropertyName("imports")] IReadOnlyList<UnknownImportView> Imports,
    [property: JsonPropertyName("truncated")] bool Truncated);

/// <summary>POST /api/console/imports/send-again body.</summary>
public sealed record SendAgainRequest(
    [property: JsonPropertyName("channel_id")] string? ChannelId,
    [property: JsonPropertyName("external_id")] string? ExternalId);
