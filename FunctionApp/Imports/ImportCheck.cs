using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Storage.Queues;
using FrontFunctions.Storage;
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
/// Schedules the overdue check of an accepted import: a check message queued invisible for
/// <see cref="ImportOptions.OverdueAfter"/> (durable, no timer, no table scan). When it becomes visible, the queue function
/// runs <c>Enrichment.OverdueImportCheck</c>, which maps the message as its notification would have.
/// </summary>
public sealed class ImportCheck(QueueServiceClient queues, IOptions<ImportOptions> options)
{
    public async Task ScheduleAsync(string channelId, string externalId, string messageUid, CancellationToken cancellationToken)
    {
        var text = JsonSerializer.Serialize(new ImportCheckMessage { ChannelId = channelId, ExternalId = externalId, MessageUid = messageUid }, ImportJsonContext.Default.ImportCheckMessage);
        await queues.GetQueueClient(StorageNames.ImportCheckQueue)
            .SendMessageAsync(text, visibilityTimeout: options.Value.OverdueAfter, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken)
            .ConfigureAwait(false); // never expires: a check that could not run ends in the poison queue with a failure row, not nowhere
    }
}
