using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FrontFunctions.Front;
using FrontFunctions.IdMap;
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

    /// <summary>
    /// The failure row of an item: PartitionKey = its channel (<see cref="DeliveryFailures.UnknownChannelPartition"/> when it
    /// names none), RowKey = its failure key encoded, or a hash of the queue text when the item had no key (unreadable).
    /// </summary>
    public static (string Partition, string RowKey) RowOf(string? channelId, string? deliveryKey, string queueMessageText) =>
        (FrontIds.IsChannelId(channelId) ? channelId! : DeliveryFailures.UnknownChannelPartition,
         string.IsNullOrEmpty(deliveryKey)
            ? "text-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(queueMessageText)).AsSpan(0, 16))
            : TableKeyEncoding.Encode(deliveryKey));

    /// <summary>The queue an item with this failure key came from (<c>unknown</c> for an unreadable one).</summary>
    public static string QueueOf(string? deliveryKey) =>
        deliveryKey is null ? "unknown"
        : deliveryKey.StartsWith(OutboundPrefix, StringComparison.Ordinal) ? StorageNames.OutboundQueue
        : deliveryKey.StartsWith(ImportCheckPrefix, StringComparison.Ordinal) ? StorageNames.ImportCheckQueue
        : StorageNames.IngestQueue;

    /// <summary>
    /// The queue the item of a failure row came from, by the row's key (its failure key encoded as <c>DeliveryFailures</c>
    /// writes it); a key that does not decode (a hashed one) is an ingest item's.
    /// </summary>
    public static string QueueOfRowKey(string rowKey) =>
        TableKeyEncoding.TryDecode(rowKey, out var deliveryKey) ? QueueOf(deliveryKey) : StorageNames.IngestQueue;

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
