using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FrontFunctions.Ingest;

/// <summary>
/// What the webhook puts on the ingest queue for one verified <c>message_imported</c>: everything enrichment needs
/// without re-reading the request. The raw envelope rides along (or, when it would not fit in one 64 KiB queue message,
/// sits in a blob named by <see cref="EnvelopeBlob"/>).
/// </summary>
public sealed record IngestNotification
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;

    /// <summary>Stable for one Front message in one channel: duplicates of a notification share it.</summary>
    [JsonPropertyName("delivery_key")] public required string DeliveryKey { get; init; }
    [JsonPropertyName("channel_id")] public required string ChannelId { get; init; }
    [JsonPropertyName("received_at")] public required DateTimeOffset ReceivedAt { get; init; }
    [JsonPropertyName("message_id")] public required string MessageId { get; init; }
    [JsonPropertyName("conversation_id")] public required string ConversationId { get; init; }

    /// <summary>From the envelope's <c>metadata.external_conversation_ids</c> (or the older single <c>external_conversation_id</c>).</summary>
    [JsonPropertyName("external_conversation_ids")] public IReadOnlyList<string> ExternalConversationIds { get; init; } = [];

    /// <summary><c>payload.metadata.external_id</c> when Front sent it (UNCONFIRMED that it does).</summary>
    [JsonPropertyName("external_id")] public string? ExternalId { get; init; }

    /// <summary><c>payload.message_uid</c> when Front sent it (UNCONFIRMED that it does).</summary>
    [JsonPropertyName("message_uid")] public string? MessageUid { get; init; }

    /// <summary>The envelope as Front sent it, when it fits in the queue message.</summary>
    [JsonPropertyName("envelope")] public JsonElement? Envelope { get; init; }

    /// <summary>Blob (in <c>front-ingest-payloads</c>) holding the envelope when it was too large to inline.</summary>
    [JsonPropertyName("envelope_blob")] public string? EnvelopeBlob { get; init; }

    /// <summary>
    /// True when the external ids (<see cref="ExternalConversationIds"/>, <see cref="ExternalId"/>, <see cref="MessageUid"/>)
    /// were left out of this message because they alone would not fit in one: read them from <see cref="EnvelopeBlob"/>.
    /// </summary>
    [JsonPropertyName("ids_in_blob")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool IdsInBlob { get; init; }

    /// <summary>
    /// The key of the webhook's Front signature (<see cref="Front.ReplayGuard.KeyOf"/>, a hash: never the signature) and its
    /// signed time: enrichment claims it before writing anything, so a captured <c>message_imported</c> replayed to another
    /// channel's URL maps nothing there. Absent in messages queued by older builds (not checked).
    /// </summary>
    [JsonPropertyName("signature_key")] public string? SignatureKey { get; init; }
    [JsonPropertyName("signed_at")] public DateTimeOffset? SignedAt { get; init; }

    /// <summary>
    /// W3C trace context of the webhook that queued this (<c>traceparent</c>, <c>tracestate</c>): enrichment continues its
    /// trace. Absent in messages queued by older builds (and when nothing traces), which still process.
    /// </summary>
    [JsonPropertyName("traceparent")] public string? TraceParent { get; init; }
    [JsonPropertyName("tracestate")] public string? TraceState { get; init; }

    /// <summary>A short, key-safe hash of channel id and message id.</summary>
    public static string DeliveryKeyFor(string channelId, string messageId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(channelId + "\n" + messageId));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IngestNotification))]
public sealed partial class IngestJsonContext : JsonSerializerContext;
