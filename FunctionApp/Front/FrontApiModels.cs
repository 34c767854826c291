using System.Text.Json.Serialization;

namespace FrontFunctions.Front;

/// <summary>The fields of Front's <c>MessageResponse</c> enrichment needs (front-api-specs); everything else is ignored.</summary>
public sealed record FrontMessage
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("message_uid")] public string? MessageUid { get; init; }
    [JsonPropertyName("metadata")] public FrontMessageMetadata? Metadata { get; init; }
    [JsonPropertyName("_links")] public FrontLinks? Links { get; init; }

    /// <summary>The conversation id from <c>_links.related.conversation</c>.</summary>
    [JsonIgnore] public string? ConversationId => FrontIds.ConversationIdFromLink(Links?.Related?.Conversation);

    [JsonIgnore] public string? ExternalId => Metadata?.ExternalId is { Length: > 0 } id ? id : null;
}

public sealed record FrontMessageMetadata
{
    [JsonPropertyName("external_id")] public string? ExternalId { get; init; }
}

public sealed record FrontLinks
{
    [JsonPropertyName("related")] public FrontRelatedLinks? Related { get; init; }
}

public sealed record FrontRelatedLinks
{
    [JsonPropertyName("conversation")] public string? Conversation { get; init; }
}

/// <summary>The fields of Front's <c>ConversationResponse</c> enrichment needs.</summary>
public sealed record FrontConversation
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("metadata")] public FrontConversationMetadata? Metadata { get; init; }

    [JsonIgnore]
    public IReadOnlyList<string> ExternalConversationIds =>
        Metadata?.ExternalConversationIds?.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToArray() ?? [];
}

public sealed record FrontConversationMetadata
{
    [JsonPropertyName("external_conversation_ids")] public IReadOnlyList<string>? ExternalConversationIds { get; init; }
}

/// <summary>
/// A conversation as Front returned it. <see cref="Redirected"/> says that <see cref="RequestedId"/> answered 301: it was
/// merged, and <see cref="Conversation"/> is the survivor.
/// </summary>
public sealed record FrontConversationResult(string RequestedId, string ConversationId, IReadOnlyList<string> ExternalConversationIds, bool Redirected);

/// <summary>Front's 202 to a sync import: <c>{"status":"accepted","message_uid":…}</c>.</summary>
public sealed record FrontImportAccepted
{
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("message_uid")] public string? MessageUid { get; init; }
}

/// <summary>The body of Front's external message status update (channel-api.json): <c>status</c> is only ever <c>failed</c>.</summary>
public sealed record FrontMessageStatus(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("reason")] string Reason);

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(FrontImportAccepted))]
[JsonSerializable(typeof(FrontMessageStatus))]
[JsonSerializable(typeof(FrontMessage))]
[JsonSerializable(typeof(FrontConversation))]
public sealed partial class FrontApiJsonContext : JsonSerializerContext;

/// <summary>
/// A Front API call that did not succeed. <see cref="Permanent"/> failures (401, 403, 404, 410: the token is refused, the
/// resource is gone or belongs to another channel) will not get better by retrying; the others already were retried.
/// The message names the call and the status, never the token.
/// </summary>
public sealed class FrontApiException : Exception
{
    public FrontApiException(string reason, bool permanent, int? statusCode, Exception? inner = null)
        : base(reason, inner)
    {
        Permanent = permanent;
        StatusCode = statusCode;
    }

    public bool Permanent { get; }
    public int? StatusCode { get; }
    public string Reason => Message;

    /// <summary>
    /// The request provably never reached Front (the connection could not be made): safe to send again. False for every
    /// outcome after the request may have been written (a dropped connection, a timeout, a 5xx).
    /// </summary>
    public bool NotSent { get; init; }

    /// <summary>Front provably did not act on this request: it was never sent, or Front answered 429 (rate limited).</summary>
    public bool ProvedNotActed => NotSent || StatusCode == 429;
}
