using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FrontFunctions.Outbound;

/// <summary>
/// One message for the partner on the <c>front-outbound</c> queue: the event to POST (byte-for-byte what is signed and
/// sent on every attempt), or the name of the blob holding it when it would not fit in one queue message.
/// </summary>
public sealed record OutboundItem
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;

    /// <summary>The Standard Webhooks <c>webhook-id</c>: stable for one message of one channel, across retries and redeliveries.</summary>
    [JsonPropertyName("webhook_id")] public required string WebhookId { get; init; }
    [JsonPropertyName("channel_id")] public required string ChannelId { get; init; }
    [JsonPropertyName("message_id")] public string? MessageId { get; init; }
    [JsonPropertyName("external_id")] public required string ExternalId { get; init; }

    /// <summary>
    /// The external conversation id the reply was answered with (Front's status endpoint needs it with the external id when
    /// the reply is given up). Absent in items queued by older builds: then read from the event.
    /// </summary>
    [JsonPropertyName("external_conversation_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ExternalConversationId { get; init; }

    /// <summary>When the reply was first queued: <see cref="PartnerOptions.RetryWindow"/> counts from here.</summary>
    [JsonPropertyName("first_queued_at")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? FirstQueuedAt { get; init; }

    /// <summary>How many times the delivery re-queued this reply after a failed attempt (0 on the first queue message).</summary>
    [JsonPropertyName("requeues")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Requeues { get; init; }

    /// <summary>The event, as JSON text (the exact body the partner receives).</summary>
    [JsonPropertyName("event")] public string? Event { get; init; }

    /// <summary>Blob (in <c>front-ingest-payloads</c>, under <c>outbound/</c>) holding the event when it was too large to inline.</summary>
    [JsonPropertyName("event_blob")] public string? EventBlob { get; init; }

    /// <summary>
    /// W3C trace context of the webhook that queued this (<c>traceparent</c>, <c>tracestate</c>): the delivery continues its
    /// trace. Absent in items queued by older builds (or when nothing traces); a partner reading the queue may ignore it.
    /// </summary>
    [JsonPropertyName("traceparent")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TraceParent { get; init; }

    [JsonPropertyName("tracestate")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TraceState { get; init; }

    /// <summary><c>msg_</c> + 32 hex characters of SHA-256(channel id, external id): the same message always has the same id.</summary>
    public static string WebhookIdFor(string channelId, string externalId) =>
        "msg_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(channelId + "\n" + externalId)).AsSpan(0, 16));

    public static OutboundItem? TryParse(string text, out string? problem)
    {
        try
        {
            var item = JsonSerializer.Deserialize(text, OutboundJsonContext.Default.OutboundItem);
            if (item is null || string.IsNullOrEmpty(item.WebhookId) || string.IsNullOrEmpty(item.ChannelId)
                || (item.Event is null) == (item.EventBlob is null))
            {
                problem = "The outbound queue message lacks webhook_id, channel_id, or exactly one of event / event_blob.";
                return null;
            }

            problem = null;
            return item;
        }
        catch (JsonException e)
        {
            problem = $"The outbound queue message is not an outbound item ({e.GetType().Name} at {e.Path ?? "?"}).";
            return null;
        }
    }
}

[JsonSerializable(typeof(OutboundItem))]
internal sealed partial class OutboundJsonContext : JsonSerializerContext;
