namespace FrontSimulator.Model;

/// <summary>
/// The messages teammates sent on a channel (recorded with the external ids the channel's webhook answered), and the
/// status the partner app set through <c>PUT /channels/{channel_id}/conversations/{conv_ext_id}/messages/{message_ext_id}/status</c>:
/// a failed message reopens its conversation (channel-api.json: "the conversation is reopened so the team can take action").
/// </summary>
internal sealed class MessageStatuses
{
    private readonly object _gate = new();
    private readonly Dictionary<(string Channel, string ExternalId), SentMessage> _sent = new();

    public void Reset()
    {
        lock (_gate)
        {
            _sent.Clear();
        }
    }

    /// <summary>A message Front sent and the webhook answered with these external ids (a retry's answer replaces nothing).</summary>
    public void RecordSent(string channelId, string? messageId, string conversationId, string externalId, string externalConversationId)
    {
        lock (_gate)
        {
            _sent.TryAdd((channelId, externalId), new SentMessage(channelId, messageId, conversationId, externalId, externalConversationId));
        }
    }

    /// <summary>An imported outbound message the status endpoint found in the store, registered on first use.</summary>
    public SentMessage GetOrAdd(string channelId, string? messageId, string conversationId, string externalId, string externalConversationId)
    {
        lock (_gate)
        {
            if (!_sent.TryGetValue((channelId, externalId), out var sent))
            {
                sent = new SentMessage(channelId, messageId, conversationId, externalId, externalConversationId);
                _sent.Add((channelId, externalId), sent);
            }

            return sent;
        }
    }

    public SentMessage? Find(string channelId, string externalId)
    {
        lock (_gate)
        {
            return _sent.GetValueOrDefault((channelId, externalId));
        }
    }

    /// <summary>Marks the message failed (again: the call is idempotent, each call counted) and its conversation reopened.</summary>
    public void MarkFailed(SentMessage message, string? reason, double now)
    {
        lock (_gate)
        {
            message.Status = "failed";
            message.Reason = reason;
            message.FailedCalls++;
            message.ConversationReopened = true;
            message.UpdatedAt = now;
        }
    }

    public IReadOnlyList<SentMessage> OfChannel(string channelId)
    {
        lock (_gate)
        {
            return [.. _sent.Values.Where(m => m.ChannelId == channelId).Select(m => m.Copy())];
        }
    }
}

/// <summary>A message sent on the channel, with its status (<c>sent</c> until marked <c>failed</c>).</summary>
internal sealed class SentMessage(string channelId, string? messageId, string conversationId, string externalId, string externalConversationId)
{
    public string ChannelId { get; } = channelId;
    public string? MessageId { get; } = messageId;
    public string ConversationId { get; } = conversationId;
    public string ExternalId { get; } = externalId;
    public string ExternalConversationId { get; } = externalConversationId;
    public string Status { get; set; } = "sent";
    public string? Reason { get; set; }
    public int FailedCalls { get; set; }
    public bool ConversationReopened { get; set; }
    public double? UpdatedAt { get; set; }

    public SentMessage Copy() => new(ChannelId, MessageId, ConversationId, ExternalId, ExternalConversationId)
    {
        Status = Status, Reason = Reason, FailedCalls = FailedCalls, ConversationReopened = ConversationReopened, UpdatedAt = UpdatedAt,
    };
}
