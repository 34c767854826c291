using FrontSimulator.Model;

namespace FrontSimulator.Importing;

/// <summary>A validated import body: what Front will turn into a message.</summary>
internal sealed record ImportDraft(
    bool IsInbound,
    string ExternalId,
    string ExternalConversationId,
    string? ReferencedExternalId,
    string? Subject,
    string Body,
    double? DeliveredAt,
    IReadOnlyList<MessageParty> Recipients);

/// <summary>An import answered 202: its channel, the uid returned, and the draft.</summary>
internal sealed record AcceptedImport(string ChannelId, string MessageUid, ImportDraft Draft);
