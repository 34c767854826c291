namespace FrontFunctions.IdMap;

/// <summary>A mapped message as the lookup API returns it: the conversation is the surviving one, with all its external ids.</summary>
public sealed record MappedMessage(
    string ChannelId,
    string MessageId,
    string? ExternalId,
    string ConversationId,
    IReadOnlyList<string> ExternalConversationIds,
    string? MessageUid);

/// <summary>A mapped conversation: the surviving Front conversation and every external conversation id it carries.</summary>
public sealed record MappedConversation(string ChannelId, string ConversationId, IReadOnlyList<string> ExternalConversationIds)
{
    /// <summary>For a lookup by external id: the conversation the id was first recorded on (a merged one when it differs from <see cref="ConversationId"/>).</summary>
    public string? RecordedConversationId { get; init; }
}

/// <summary>
/// The stored row of one Front conversation (<c>fc|</c>), as enrichment reads it. <see cref="MovePending"/>: merged away,
/// and its ids and rows may not have moved to the survivor yet (a crash between the two); <see cref="MovesIn"/>, on a
/// survivor: the conversations whose move into it has begun and not finished.
/// </summary>
public sealed record ConversationRow(
    string ConversationId,
    IReadOnlyList<string> ExternalConversationIds,
    string? MergedInto,
    DateTimeOffset? RefreshedAt,
    bool MovePending = false,
    IReadOnlyList<string>? MovesIn = null);

/// <summary>The stored row of one Front message (<c>fm|</c>).</summary>
public sealed record MessageRow(string MessageId, string? ExternalId, string ConversationId, string? MessageUid);

/// <summary>
/// What recording a conversation's external ids did: the survivor they were written to, its full list afterwards, and
/// the conversations that still claim some of the ids without a known merge (enrichment asks Front about those).
/// </summary>
public sealed record ConversationUpdate(string ConversationId, IReadOnlyList<string> ExternalConversationIds, IReadOnlyList<string> UnresolvedClaims);

/// <summary>
/// The external conversation id a message Front sent is answered with (null: the caller refused the write), the surviving
/// conversation, and the write of the id's <c>xc|</c> row still under way (<see cref="Task.CompletedTask"/> when none was
/// needed): await it before answering.
/// </summary>
public sealed record ExternalConversationAnswer(string ConversationId, string? ExternalConversationId, Task Recorded);
