using System.Text.Json;
using FrontFunctions.Storage;

namespace FrontFunctions.Failures;

/// <summary>
/// The RowKeys of failure rows (table <c>FrontDeliveryFailures</c>), by the queue whose item failed: an ingest notification
/// by its delivery key, a partner delivery by <c>outbound:{webhook-id}</c>, an overdue import check by
/// <c>import-check:{message_uid}</c>. One place, so the rooms that record failures and the console that re-queues them agree.
/// </summary>
public static class FailureKeys
{
    public const string OutboundPrefix = "outbound:";
    public const string ImportCheckPrefix = "import-check:";

    /// <summary>The queue an item with this failure key came from (<c>unknown</c> for an unreadable one).</summary>
    public static string QueueOf(string? deliveryKey) =>
        deliveryKey is null ? "unknown"
        : deliveryKey.StartsWith(OutboundPrefix, StringComparison.Ordinal) ? StorageNames.OutboundQueue
        : deliveryKey.StartsWith(ImportCheckPrefix, StringComparison.Ordinal) ? StorageNames.ImportCheckQueue
        : StorageNames.IngestQueue;

    /// <summary>The channel and the message uid an import check's text names (as <c>ImportCheckMessage</c> writes them).</summary>
    public static (string? ChannelId, string? MessageUid) ImportCheckIds(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            return root.ValueKind != JsonValueKind.Object ? (null, null) : (String(root, "channel_id"), String(root, "message_uid"));
        }
        catch (JsonException)
        {
            return (null, null);
        }

        static string? String(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
    }
}
