using System.Text.Json;
using FrontFunctions.Front;
using FrontFunctions.Imports;
using FrontFunctions.Ingest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Enrichment;

/// <summary>
/// The overdue check of one accepted import (queued by <see cref="ImportCheck"/>, run by <c>CheckOverdueImport</c>): an import
/// still <c>accepted</c> is looked up once by <c>alt:uid:{message_uid}</c>. Found: it is mapped as its notification would have
/// mapped it (the id map too) and becomes <c>imported</c>. 404 (Front never created it) or another refusal: <c>failed</c> with
/// the reason. A transient failure is rethrown so the queue retries the check.
/// </summary>
public sealed class OverdueImportCheck(
    ImportStore imports,
    FrontApiClient front,
    NotificationEnricher enricher,
    IOptions<ImportOptions> options,
    TimeProvider time,
    Telemetry.FrontMetrics metrics,
    ILogger<OverdueImportCheck> logger)
{
    public async Task RunAsync(string queueMessageText, CancellationToken cancellationToken)
    {
        ImportCheckMessage? check;
        try
        {
            check = JsonSerializer.Deserialize(queueMessageText, ImportJsonContext.Default.ImportCheckMessage);
        }
        catch (JsonException)
        {
            check = null;
        }

        if (check is null || !FrontIds.IsChannelId(check.ChannelId) || string.IsNullOrEmpty(check.ExternalId) || string.IsNullOrEmpty(check.MessageUid))
        {
            ImportLog.Unreadable(logger);
            return; // nothing to check; retrying cannot help
        }

        var row = await imports.GetAsync(check.ChannelId, check.ExternalId, cancellationToken).ConfigureAwait(false);
        if (row is null || row.Status != ImportStatus.Accepted || row.MessageUid != check.MessageUid)
        {
            ImportLog.NotOverdue(logger, check.ChannelId, check.MessageUid, row?.Status ?? "none");
            return;
        }

        FrontMessage message;
        try
        {
            message = await front.GetMessageByUidAsync(check.ChannelId, check.MessageUid, cancellationToken).ConfigureAwait(false);
        }
        catch (FrontApiException e) when (e.Permanent)
        {
            var reason = e.StatusCode == 404
                ? $"Front has no message with uid {check.MessageUid} {options.Value.OverdueAfter.TotalSeconds:0.#} s after it accepted the import (GET /messages/alt:uid answered 404)."
                : "The overdue lookup was refused: " + e.Reason;
            await imports.FailAsync(check.ChannelId, check.ExternalId, null, check.MessageUid, reason, cancellationToken).ConfigureAwait(false);
            ImportLog.Failed(logger, check.ChannelId, check.MessageUid, e.StatusCode);
            return;
        }

        if (!FrontIds.IsResourceId(message.Id, "msg_") || message.ConversationId is not { } conversationId)
        {
            throw new FrontApiException("GET /messages/alt:uid answered a message without an id or a conversation link.", permanent: false, 200);
        }

        // Map it as the notification would have: the id map rows and, through the enricher, the import row.
        await enricher.EnrichAsync(new IngestNotification
        {
            DeliveryKey = IngestNotification.DeliveryKeyFor(check.ChannelId, message.Id!),
            ChannelId = check.ChannelId,
            ReceivedAt = time.GetUtcNow(),
            MessageId = message.Id!,
            ConversationId = conversationId,
            ExternalId = message.ExternalId ?? row.ExternalId,
            MessageUid = check.MessageUid,
            ExternalConversationIds = row.ExternalConversationId is { Length: > 0 } xc ? [xc] : [],
        }, cancellationToken).ConfigureAwait(false);
        metrics.Mapped(Telemetry.MappedVia.ImportCheck, null);
        ImportLog.ResolvedByLookup(logger, check.ChannelId, check.MessageUid, message.Id!);
    }
}
