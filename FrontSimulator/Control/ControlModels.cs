using System.Text.Json;
using System.Text.Json.Serialization;

namespace FrontSimulator.Control;

/// <summary>JSON conventions of the control API: snake_case names, nulls omitted.</summary>
public static class ControlJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>
/// <c>POST /_sim/channels</c>: a channel of the partner app. <c>webhook_url</c> null = no notifications. <c>company</c>: the
/// Front company it is installed in (a host label such as <c>globex</c>: its links use <c>https://globex.api.frontapp.com</c>
/// and its calls count against that company's limit, <c>PUT /_sim/companies/{company}/rate-limit</c>); null = the default company.
/// </summary>
public sealed record ChannelRegistration(string ChannelId, string AppUid, string AppSecret, string? WebhookUrl, string? Company = null);

/// <summary><c>PUT /_sim/companies/{company}/rate-limit</c>: that company's own limit per minute (its burst limit is the global one).</summary>
public sealed record CompanyRateLimit(int RequestsPerMinute);

/// <summary><c>POST /_sim/merge</c>: merge conversation <c>from</c> into <c>into</c> (the survivor).</summary>
public sealed record MergeRequest(string From, string Into);

/// <summary><c>PUT /_sim/rate-limit</c>. Omitted fields keep their value; setting it restarts the windows.</summary>
public sealed record RateLimitSettings
{
    public int? RequestsPerMinute { get; init; }
    public int? BurstPerSecond { get; init; }
}

/// <summary><c>PUT /_sim/notifications</c>. Omitted fields keep their value.</summary>
public sealed record NotificationSettings
{
    /// <summary>Delay between the message existing and its notification.</summary>
    public int? DelayMs { get; init; }
    public bool? IncludeExternalId { get; init; }
    public bool? IncludeMessageUid { get; init; }
    /// <summary>Deliver every notification twice.</summary>
    public bool? Duplicate { get; init; }
    /// <summary>Share of notifications delivered twice (0..1), chosen at random; <c>duplicate</c> true means all.</summary>
    public double? DuplicateRate { get; init; }
    /// <summary>Hold each notification until the channel's next one is ready and deliver the newer first.</summary>
    public bool? OutOfOrder { get; init; }
    /// <summary>
    /// Share of notifications (0..1) held back and delivered after the channel's next notification; <c>out_of_order</c> true
    /// means all (each held until the next one overtakes it).
    /// </summary>
    public double? OutOfOrderRate { get; init; }
    /// <summary>How long a delivery attempt waits for the webhook's answer (Front's limit is about 7 s); default 10 s.</summary>
    public int? TimeoutMs { get; init; }
    /// <summary>Delivery attempts per notification, first try included.</summary>
    public int? MaxAttempts { get; init; }
    public int? RetryBaseDelayMs { get; init; }
}

/// <summary><c>PUT /_sim/import-delay</c>: time between the 202 and the message existing.</summary>
public sealed record ImportDelaySettings(int DelayMs);

/// <summary><c>PUT /_sim/faults</c>. Omitted fields keep their value. Applies to the Front API only, never to /_sim.</summary>
public sealed record FaultSettings
{
    /// <summary>Share of requests answered 500, 502 or 503 (0..1).</summary>
    public double? ErrorRate { get; init; }
    /// <summary>Extra latency added to every request.</summary>
    public int? LatencyMs { get; init; }
    /// <summary>Share of requests whose connection is aborted without an answer (0..1).</summary>
    public double? DropRate { get; init; }
    /// <summary>The next N requests are answered 429 (as the burst limit would).</summary>
    public int? Burst429 { get; init; }
    /// <summary>Share of requests (0..1) that get a latency spike of <c>spike_ms</c> on top of <c>latency_ms</c>.</summary>
    public double? SpikeRate { get; init; }
    /// <summary>The length of a latency spike.</summary>
    public int? SpikeMs { get; init; }
    /// <summary>
    /// The answer of an accepted import is lost: <c>drop</c> = the import is accepted (the message is created and notified as
    /// usual) and then the connection is aborted instead of the 202; <c>delay</c> = the 202 is held <c>import_answer_delay_ms</c>
    /// (past the caller's attempt timeout); <c>none</c> (default) = answered at once.
    /// </summary>
    public string? ImportAnswer { get; init; }
    /// <summary>How long <c>import_answer</c> <c>delay</c> holds the 202.</summary>
    public int? ImportAnswerDelayMs { get; init; }
}

/// <summary><c>GET /_sim/settings</c>: every runtime setting in effect.</summary>
public sealed record SimulatorSettingsSnapshot(
    RateLimitSettings RateLimit, NotificationSettings Notifications, int ImportDelayMs, FaultSettings Faults, string CompanyHost);

/// <summary><c>GET /_sim/counters</c>.</summary>
public sealed record SimulatorCounters
{
    /// <summary>Front API requests by "METHOD route-template", then by status code ("dropped" for aborted connections).</summary>
    public Dictionary<string, Dictionary<string, long>> Requests { get; init; } = [];
    /// <summary>Front API requests with a channel token by the channel's company ("default" for the default company), then by status code.</summary>
    public Dictionary<string, Dictionary<string, long>> ByCompany { get; init; } = [];
    /// <summary>Requests answered 401 because of the bearer token.</summary>
    public long TokensRejected { get; init; }
    public RateLimitCounters RateLimited { get; init; } = new();
    public FaultCounters Faults { get; init; } = new();
    public NotificationCounters Notifications { get; init; } = new();

    /// <summary>Total requests answered with <paramref name="status"/> across all routes.</summary>
    public long CountStatus(int status) =>
        Requests.Values.Sum(r => r.GetValueOrDefault(status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}

/// <summary>429 answers by cause.</summary>
public sealed record RateLimitCounters
{
    public long Burst { get; init; }
    public long Company { get; init; }
    public long Injected { get; init; }
    public long Total { get; init; }
}

public sealed record FaultCounters
{
    public long ErrorsInjected { get; init; }
    public long ConnectionsDropped { get; init; }
}

/// <summary>Webhook deliveries. <c>attempts</c> = requests sent (retries included).</summary>
public sealed record NotificationCounters
{
    public long Attempts { get; init; }
    public long Delivered { get; init; }
    public long FailedAttempts { get; init; }
    /// <summary>Notifications given up after the last attempt failed.</summary>
    public long Abandoned { get; init; }
    /// <summary>Attempts by webhook status code ("error" when no HTTP answer came back).</summary>
    public Dictionary<string, long> ByStatus { get; init; } = [];
    /// <summary>Attempts cut off by the delivery timeout (<c>timeout_ms</c>): the webhook did not answer in time.</summary>
    public long TimedOut { get; init; }
    /// <summary>The slowest attempt that got an HTTP answer, in milliseconds.</summary>
    public long SlowestAnswerMs { get; init; }
    /// <summary>Notifications chosen to be delivered twice.</summary>
    public long Duplicated { get; init; }
    /// <summary>Notifications delivered after a newer one of their channel (held back).</summary>
    public long Reordered { get; init; }
}

/// <summary><c>GET /_sim/channels/{id}/conversations</c>.</summary>
public sealed record ChannelSnapshot(
    string ChannelId, IReadOnlyList<ConversationSnapshot> Conversations, IReadOnlyList<string> PendingMessageUids);

public sealed record ConversationSnapshot(
    string Id, string? MergedInto, IReadOnlyList<string> ExternalConversationIds, IReadOnlyList<MessageSnapshot> Messages);

public sealed record MessageSnapshot(
    string Id, string MessageUid, string ExternalId, string ExternalConversationId, bool IsInbound, string ConversationId);

/// <summary>The answer to an import POST: status code, the <c>message_uid</c> when accepted, and the raw body.</summary>
public sealed record ImportResult(int StatusCode, string? MessageUid, string Body);

/// <summary>
/// <c>POST /_sim/channels/{channel_id}/messages</c>: a teammate's message (or, with <c>autoreply</c>, Front's auto-reply)
/// sent to the channel's webhook as Front sends it. <c>conversation_id</c> null = a new conversation; <c>message_id</c> null =
/// a new message id (ignored for an auto-reply, which has none); <c>replied_to</c> = the message an auto-reply answers.
/// </summary>
public sealed record TeammateMessage
{
    public string? ConversationId { get; init; }
    public string? MessageId { get; init; }
    public bool Autoreply { get; init; }
    public string? RepliedTo { get; init; }
    public string Body { get; init; } = "<p>Hello from Front</p>";
    public string? Subject { get; init; }
    public string To { get; init; } = "partner-recipient";
    public string AuthorEmail { get; init; } = "teammate@example.com";
    public IReadOnlyList<AttachmentSpec> Attachments { get; init; } = [];
}

/// <summary>
/// An attachment on a teammate message. <c>content</c> (base64) gives its bytes (and its size); without it the simulator
/// serves <c>size</c> generated bytes on download.
/// </summary>
public sealed record AttachmentSpec(string Filename, string ContentType, long Size)
{
    public string? Content { get; init; }
}

/// <summary><c>POST /_sim/channels/{channel_id}/redeliver</c>: send a request body again, freshly signed (Front's retry).</summary>
public sealed record Redelivery(string Request);

/// <summary>What the channel's webhook answered to a message the simulator sent: status, answer body, the exact request body.</summary>
public sealed record TeammateMessageResult(int Status, string Answer, string Request, string ConversationId, string? MessageId);

/// <summary><c>POST /_sim/channels/{channel_id}/conversations</c>: an empty conversation (a teammate starting one in Front).</summary>
public sealed record NewConversation(string ConversationId);

/// <summary><c>GET /_sim/channels/{channel_id}/sent-messages</c>: the messages teammates sent, with their status.</summary>
public sealed record SentMessagesSnapshot(string ChannelId, IReadOnlyList<SentMessageSnapshot> Messages);

/// <summary>
/// A sent message as Front recorded it (the external ids the webhook answered), its <c>status</c> (<c>sent</c>, or
/// <c>failed</c> after the status endpoint), the reason given, how many status calls marked it failed, and whether its
/// conversation was reopened by one.
/// </summary>
public sealed record SentMessageSnapshot(
    string? MessageId, string ConversationId, string ExternalId, string ExternalConversationId, string Status, string? Reason,
    int FailedCalls, bool ConversationReopened);

/// <summary><c>PUT /_sim/channels/{channel_id}/attachments</c>: <c>forbidden</c> true = the channel token gets 403 on a download.</summary>
public sealed record AttachmentSwitch(bool Forbidden);

/// <summary><c>PUT /_sim/attachments/hold</c>: every download pauses after <c>after_bytes</c> until <c>POST /_sim/attachments/release</c>.</summary>
public sealed record AttachmentHold(long AfterBytes);

/// <summary><c>GET /_sim/channels/{channel_id}/attachments</c>: teammate messages' attachments and multipart imports' attachments.</summary>
public sealed record ChannelAttachmentsSnapshot(string ChannelId, IReadOnlyList<MessageAttachmentsSnapshot> Sent, IReadOnlyList<MessageAttachmentsSnapshot> Imported);

public sealed record MessageAttachmentsSnapshot(string? MessageId, string? MessageUid, string? ExternalId, IReadOnlyList<AttachmentSnapshot> Attachments);

/// <summary>An attachment as the simulator holds it; <c>sha256</c> of its bytes (hex).</summary>
public sealed record AttachmentSnapshot(string Id, string Filename, string ContentType, long Size, string Sha256);
