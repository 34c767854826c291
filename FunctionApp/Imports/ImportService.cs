using FrontFunctions.Channels;
using FrontFunctions.Front;
using FrontFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Imports;

/// <summary>
/// The import API: the partner system posts Front's <c>InboundMessage</c> / <c>OutboundMessage</c> here instead of to Front.
/// In order: the body is checked as Front checks it (400 naming each bad field, at most
/// <see cref="ImportRequestValidator.MaxProblems"/>; a repeated key is 400 too); the channel must be active here (404 unknown,
/// 410 deleted); the external id is reserved (insert-once: a repeat answers the first import's row and never reaches Front:
/// 409 while it is <c>sending</c>, 200 with the row when <c>accepted</c>, <c>unknown</c>, <c>imported</c> or <c>failed</c>
/// after Front accepted it); only a row Front refused (<c>failed</c> without a uid) is sent again, by a new request. The Front
/// call and what its outcome means are <see cref="ImportSender"/>'s.
/// </summary>
public sealed class ImportService(
    ImportStore imports,
    ImportSender sender,
    ChannelRegistry channels,
    IOptions<ImportOptions> options,
    ILogger<ImportService> logger)
{
    /// <param name="files">Attachments sent with a multipart import: forwarded to Front as multipart by <see cref="ImportSender"/>.</param>
    public async Task<HttpAnswer> ImportAsync(string channelId, bool inbound, ReadOnlyMemory<byte> body, CancellationToken cancellationToken, IReadOnlyList<FrontUploadFile>? files = null)
    {
        if (!FrontIds.IsChannelId(channelId))
        {
            return HttpAnswer.BadRequest("The channel id in the URL must be a Front channel id (\"cha_…\").");
        }

        var (root, bodyProblem) = ImportRequestValidator.Parse(body);
        if (bodyProblem is not null)
        {
            return Invalid([bodyProblem]);
        }

        var (draft, problems) = ImportRequestValidator.Validate(root, inbound);
        if (draft is null)
        {
            return Invalid(problems);
        }

        // Storage failing here (nothing reserved, Front not called) is answered 503 by the HTTP edge (Http/HttpEdge.cs).
        var channel = await channels.FindAsync(channelId, cancellationToken).ConfigureAwait(false);
        if (channel is null)
        {
            return HttpAnswer.NotFound("This channel is unknown here: Front has not authorized it with this app.");
        }

        if (channel.Status == ChannelStatus.Deleted)
        {
            return HttpAnswer.Error(StatusCodes.Status410Gone, "channel_deleted", $"This channel was deleted at {channel.DeletedAt:O}; it takes no imports.");
        }

        var (reservation, existing) = await imports.ReserveAsync(channelId, draft, options.Value.ReservationLease, cancellationToken).ConfigureAwait(false);
        if (reservation is null)
        {
            return await RepeatAsync(channelId, existing!).ConfigureAwait(false);
        }

        return await sender.SendAsync(reservation, body, cancellationToken, files: files).ConfigureAwait(false);
    }

    /// <summary>A repeat of an external id this app already holds a row for: answered from the row, Front is not called.</summary>
    private async Task<HttpAnswer> RepeatAsync(string channelId, ImportEntity existing)
    {
        if (existing.Status == ImportStatus.Sending)
        {
            return HttpAnswer.Error(StatusCodes.Status409Conflict, "in_progress", "An import of this external id is in progress; retry in a few seconds.");
        }

        if (existing is { Status: ImportStatus.Accepted, CheckScheduled: not true, MessageUid: { } uid })
        {
            // The first request could not queue the overdue check: this repeat does.
            await sender.ScheduleCheckAsync(channelId, existing.ExternalId!, uid).ConfigureAwait(false);
            ImportLog.CheckScheduledOnRepeat(logger, channelId, uid);
        }

        ImportLog.Repeated(logger, channelId, existing.MessageUid, existing.Status);
        return HttpAnswer.Ok(ImportAnswer.From(existing.ToRecord()));
    }

    /// <summary>400 listing at most <see cref="ImportRequestValidator.MaxProblems"/> problems (the message says how many more).</summary>
    /// <summary>The 400 for a body that is not JSON text (<see cref="JsonText"/>), in the import API's shape.</summary>
    public static HttpAnswer BodyRefused(string problem) => Invalid([problem]);

    private static HttpAnswer Invalid(IReadOnlyList<string> problems)
    {
        var shown = problems.Take(ImportRequestValidator.MaxProblems).ToArray();
        var message = string.Join("; ", shown)
            + (problems.Count > shown.Length ? $"; and {problems.Count - shown.Length} more problems" : "");
        return new(StatusCodes.Status400BadRequest, new { type = "bad_request", message, errors = shown });
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
