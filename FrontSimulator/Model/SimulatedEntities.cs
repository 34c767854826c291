namespace FrontSimulator.Model;

/// <summary>
/// A channel of the partner app: the channel id, the app that owns it, where its webhooks go, and the Front company it was
/// installed in (null: the simulator's default company, <c>SimulatorOptions.CompanyHost</c>).
/// </summary>
internal sealed record SimulatedChannel(string ChannelId, string AppUid, string AppSecret, Uri? WebhookUrl, string? Company = null)
{
    /// <summary>The host of the channel's company, used in every <c>_links</c> URL of its resources.</summary>
    public string Host(SimulatorOptions options) =>
        Company is { } company ? $"https://{company}.api.frontapp.com" : options.CompanyHost.TrimEnd('/');
}

/// <summary>A handle on a message (sender or recipient) with its role in Front's terms (from, to, cc…).</summary>
internal sealed record MessageParty(string Handle, string? Name, string Role);

/// <summary>A Front conversation. <see cref="MergedInto"/> is set once it has been merged into another one.</summary>
internal sealed class SimulatedConversation(string id, string subject, double createdAt)
{
    public string Id { get; } = id;
    public string Subject { get; set; } = subject;
    public double CreatedAt { get; } = createdAt;
    public double UpdatedAt { get; set; } = createdAt;
    public string? MergedInto { get; set; }
    public HashSet<string> ChannelIds { get; } = new(StringComparer.Ordinal);
    public List<string> ExternalConversationIds { get; } = [];
    public List<string> MessageIds { get; } = [];
    public MessageParty? MainRecipient { get; set; }
}

/// <summary>A message Front has created from an import.</summary>
internal sealed record SimulatedMessage(
    string Id,
    string Uid,
    string ChannelId,
    string ConversationId,
    string ExternalId,
    string ExternalConversationId,
    bool IsInbound,
    string? Subject,
    string Body,
    double CreatedAt,
    IReadOnlyList<MessageParty> Recipients);
