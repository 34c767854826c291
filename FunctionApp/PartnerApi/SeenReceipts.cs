using Azure;
using Azure.Data.Tables;
using FrontFunctions.Caching;
using FrontFunctions.Front;
using FrontFunctions.Http;
using FrontFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.PartnerApi;

/// <summary>
/// <c>POST …/messages/{externalMessageId}/seen</c> marks a teammate's message seen in Front at most once: Front allows 10
/// marks per message per hour and asks for one per real "seen" of the end user, while a partner system may report a read on
/// every display. The first call claims the message with a row in <c>FrontSeenMarks</c> (insert-only, so one caller of all
/// instances wins), then calls Front; later calls find the row (or this instance's memory of it) and answer without a Front
/// call. A Front refusal or no answer releases the claim, so a later call tries again. <c>GET …/seen</c> passes Front's
/// receipts through.
/// </summary>
public sealed class SeenReceipts(
    TableServiceClient tables, PartnerTargets targets, FrontApiClient front, TimeProvider time, ILogger<SeenReceipts> logger)
{
    private const string PostRoute = "POST /messages/{message_id}/seen";
    private const string GetRoute = "GET /messages/{message_id}/seen";

    // Safe across instances: a mark, once made, is final; a miss reads the table. 50k messages, 24 h each.
    private readonly BoundedMemory<(string Channel, string MessageId), bool> _marked = new(time, 50_000, TimeSpan.FromHours(24));
    private readonly TableClient _table = tables.GetTableClient(StorageNames.SeenMarksTable);

    public async Task<HttpAnswer> MarkAsync(string channelId, string externalMessageId, CancellationToken cancellationToken)
    {
        var (message, problem) = await targets.MessageAsync(channelId, externalMessageId, cancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            return problem!;
        }

        var key = (channelId, message.MessageId);
        if (_marked.TryGet(key, out _))
        {
            return Marked(channelId, message.MessageId, externalMessageId, already: true);
        }

        try
        {
            await _table.AddEntityAsync(new TableEntity(channelId, message.MessageId) { ["ExternalId"] = externalMessageId, ["State"] = "marking" }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            _marked.Set(key, true); // claimed before (marked, or being marked by another call)
            return Marked(channelId, message.MessageId, externalMessageId, already: true);
        }

        FrontReply? reply = null;
        FrontApiException? failure = null;
        try
        {
            reply = await front.MarkSeenAsync(channelId, message.MessageId, cancellationToken).ConfigureAwait(false);
        }
        catch (FrontApiException e)
        {
            failure = e;
        }

        if (reply is { IsSuccess: true })
        {
            _marked.Set(key, true);
            PartnerApiLog.SeenMarked(logger, channelId, message.MessageId);
            await SettleQuietlyAsync(channelId, message.MessageId).ConfigureAwait(false);
            return Marked(channelId, message.MessageId, externalMessageId, already: false);
        }

        PartnerApiLog.SeenClaimReleased(logger, channelId, message.MessageId, reply?.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no answer");
        await ReleaseQuietlyAsync(channelId, message.MessageId).ConfigureAwait(false);
        return reply is not null ? PartnerAnswers.FromFront(reply, PostRoute, channelId, logger) : PartnerAnswers.NoAnswer(failure!, PostRoute, channelId, logger);
    }

    public async Task<HttpAnswer> GetAsync(string channelId, string externalMessageId, CancellationToken cancellationToken)
    {
        var (message, problem) = await targets.MessageAsync(channelId, externalMessageId, cancellationToken).ConfigureAwait(false);
        if (message is null)
        {
            return problem!;
        }

        FrontReply reply;
        try
        {
            reply = await front.GetSeenAsync(channelId, message.MessageId, cancellationToken).ConfigureAwait(false);
        }
        catch (FrontApiException e)
        {
            return PartnerAnswers.NoAnswer(e, GetRoute, channelId, logger);
        }

        if (!reply.IsSuccess)
        {
            return PartnerAnswers.FromFront(reply, GetRoute, channelId, logger);
        }

        var receipts = reply.Body is { ValueKind: System.Text.Json.JsonValueKind.Object } body && body.TryGetProperty("_results", out var results)
            && results.ValueKind == System.Text.Json.JsonValueKind.Array
            ? results.EnumerateArray().Select(r => new
            {
                first_seen_at = r.TryGetProperty("first_seen_at", out var at) ? at.ToString() : null,
                seen_by = r.TryGetProperty("seen_by", out var by) && by.ValueKind == System.Text.Json.JsonValueKind.Object
                    ? new { handle = FrontJson.String(by, "handle"), source = FrontJson.String(by, "source") }
                    : null,
            }).ToList()
            : [];
        return HttpAnswer.Ok(new
        {
            channel_id = channelId,
            message_id = message.MessageId,
            external_id = externalMessageId,
            conversation_id = message.ConversationId,
            seen_receipts = receipts,
        });
    }

    private static HttpAnswer Marked(string channelId, string messageId, string externalId, bool already) => HttpAnswer.Ok(new
    {
        type = "seen",
        channel_id = channelId,
        message_id = messageId,
        external_id = externalId,
        already_marked = already,
    });

    private async Task SettleQuietlyAsync(string channelId, string messageId)
    {
        try
        {
            await _table.UpsertEntityAsync(new TableEntity(channelId, messageId) { ["State"] = "marked" }, TableUpdateMode.Merge, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (FailurePolicy.IsStorageUnavailable(e, CancellationToken.None))
        {
            // The claim row stays "marking": still a claim, so the mark is never repeated. Nothing else reads the state.
            PartnerApiLog.StorageUnavailable(logger, e, PostRoute, channelId, e.GetType().Name);
        }
    }

    private async Task ReleaseQuietlyAsync(string channelId, string messageId)
    {
        try
        {
            await _table.DeleteEntityAsync(channelId, messageId, ETag.All, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (FailurePolicy.IsStorageUnavailable(e, CancellationToken.None))
        {
            // The claim stays: the message is then never marked through the app (a lost "seen", not a repeated one).
            PartnerApiLog.StorageUnavailable(logger, e, PostRoute, channelId, e.GetType().Name);
        }
    }
}
