using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Storage.Queues;
using FrontFunctions.Enrichment;
using FrontFunctions.Front;
using FrontFunctions.Ingest;
using FrontFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Imports;

/// <summary>The overdue check of one accepted import, as queued on <c>front-import-checks</c>.</summary>
public sealed record ImportCheckMessage
{
    [JsonPropertyName("channel_id")] public required string ChannelId { get; init; }
    [JsonPropertyName("external_id")] public required string ExternalId { get; init; }
    [JsonPropertyName("message_uid")] public required string MessageUid { get; init; }
}

[JsonSerializable(typeof(ImportCheckMessage))]
public sealed partial class ImportJsonContext : JsonSerializerContext;

/// <summary>
/// The overdue check. When Front accepts an import, a check message is queued invisible for
/// <see cref="ImportOptions.OverdueAfter"/> (durable, no timer, no table scan); when it becomes visible the queue function runs
/// <see cref="RunAsync"/>: an import still <c>accepted</c> is looked up once by <c>alt:uid:{message_uid}</c>. Found: it is
/// mapped as its notification would have mapped it (the id map too) and becomes <c>imported</c>. 404 (Front never created
/// it) or another refusal: <c>failed</c> with the reason. A transient failure is rethrown so the queue retries the check.
/// </summary>
public sealed class ImportCheck(
    ImportStore imports,
    FrontApiClient front,
    NotificationEnricher enricher,
    QueueServiceClient queues,
    StorageInitializer storage,
    IOptions<ImportOptions> options,
    TimeProvider time,
    Telemetry.FrontMetrics metrics,
    ILogger<ImportCheck> logger)
{
    public async Task ScheduleAsync(string channelId, string externalId, string messageUid, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var text = JsonSerializer.Serialize(new ImportCheckMessage { ChannelId = channelId, ExternalId = externalId, MessageUid = messageUid }, ImportJsonContext.Default.ImportCheckMessage);
        await queues.GetQueueClient(StorageNames.ImportCheckQueue)
            .SendMessageAsync(text, visibilityTimeout: options.Value.OverdueAfter, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken)
            .ConfigureAwait(false); // never expires: a check that could not run ends in the poison queue with a failure row, not nowhere
    }

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
