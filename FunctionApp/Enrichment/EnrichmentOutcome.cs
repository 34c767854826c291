namespace FrontFunctions.Enrichment;

/// <summary>What enrichment mapped for one notification, and how many Front API calls it cost.</summary>
public sealed record EnrichmentOutcome(
    string ChannelId,
    string MessageId,
    string ConversationId,
    string? ExternalId,
    IReadOnlyList<string> ExternalConversationIds,
    string? MessageUid,
    int FrontCalls);
