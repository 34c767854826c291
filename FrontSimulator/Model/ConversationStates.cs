namespace FrontSimulator.Model;

/// <summary>
/// What teammates and the partner API change on a conversation beyond its messages (core-api.json
/// <c>ConversationResponse</c>, <c>UpdateConversation</c>): status, assignee, tags, internal comments; the messages Front
/// sent on the channel (teammates' replies, listed with the conversation's messages); and the seen receipts of messages,
/// with Front's limit of 10 marks per message per hour. Keyed by the conversation's id (the survivor's, by the endpoints).
/// </summary>
internal sealed class ConversationStates(TimeProvider time)
{
    /// <summary>Front: "the route is rate limited to 10 requests per message per hour" (core-api.json, mark-message-seen).</summary>
    public const int SeenMarksPerHour = 10;

    private readonly object _gate = new();
    private readonly Dictionary<string, ConversationState> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TeammateSent> _teammateMessages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<double>> _seen = new(StringComparer.Ordinal);

    public void Reset()
    {
        lock (_gate)
        {
            _states.Clear();
            _teammateMessages.Clear();
            _seen.Clear();
        }
    }

    /// <summary>A copy of the conversation's state (a new conversation is open and unassigned).</summary>
    public ConversationState Get(string conversationId)
    {
        lock (_gate)
        {
            return State(conversationId).Copy();
        }
    }

    /// <summary>Applies <paramref name="change"/> to the conversation's state.</summary>
    public void Update(string conversationId, Action<ConversationState> change)
    {
        lock (_gate)
        {
            change(State(conversationId));
        }
    }

    /// <summary>The channel's external status route marked a message failed: its conversation is reopened (channel-api.json).</summary>
    public void Reopen(string conversationId) => Update(conversationId, s =>
    {
        if (s.Status is "archived" or "deleted")
        {
            s.Status = s.AssigneeId is null ? "unassigned" : "assigned";
        }
    });

    public void RecordTeammateMessage(TeammateSent message)
    {
        lock (_gate)
        {
            _teammateMessages.TryAdd(message.MessageId, message);
        }
    }

    public TeammateSent? FindTeammateMessage(string messageId)
    {
        lock (_gate)
        {
            return _teammateMessages.GetValueOrDefault(messageId);
        }
    }

    /// <summary>The teammates' messages whose conversation is one of <paramref name="conversationIds"/>.</summary>
    public IReadOnlyList<TeammateSent> TeammateMessagesOf(IReadOnlyCollection<string> conversationIds)
    {
        lock (_gate)
        {
            return [.. _teammateMessages.Values.Where(m => conversationIds.Contains(m.ConversationId))];
        }
    }

    /// <summary>Records a seen mark; false (nothing recorded) when the message had 10 in the last hour.</summary>
    public bool TryMarkSeen(string messageId, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        lock (_gate)
        {
            if (!_seen.TryGetValue(messageId, out var marks))
            {
                _seen[messageId] = marks = [];
            }

            var recent = marks.Where(m => now - m < 3600).ToList();
            if (recent.Count >= SeenMarksPerHour)
            {
                retryAfter = TimeSpan.FromSeconds(Math.Max(1, 3600 - (now - recent.Min())));
                return false;
            }

            marks.Add(now);
            retryAfter = TimeSpan.Zero;
            return true;
        }
    }

    /// <summary>Every seen mark of the message (seconds since the epoch), oldest first.</summary>
    public IReadOnlyList<double> SeenMarks(string messageId)
    {
        lock (_gate)
        {
            return _seen.TryGetValue(messageId, out var marks) ? [.. marks] : [];
        }
    }

    private ConversationState State(string conversationId)
    {
        if (!_states.TryGetValue(conversationId, out var state))
        {
            _states[conversationId] = state = new ConversationState();
        }

        return state;
    }
}

/// <summary>A conversation's status (<c>ConversationResponse.status</c>), assignee, tags and comments.</summary>
internal sealed class ConversationState
{
    public string Status { get; set; } = "unassigned";
    public string? AssigneeId { get; set; }
    public List<string> TagIds { get; init; } = [];
    public List<SimulatedComment> Comments { get; init; } = [];
    public int Updates { get; set; }

    public ConversationState Copy() => new()
    {
        Status = Status, AssigneeId = AssigneeId, TagIds = [.. TagIds], Comments = [.. Comments], Updates = Updates,
    };
}

internal sealed record SimulatedComment(string Id, string Body, string AuthorId, double PostedAt);

/// <summary>A message a teammate sent on the channel (the webhook's answer, when it gave one, names its external id).</summary>
internal sealed record TeammateSent(string MessageId, string ChannelId, string ConversationId, string? Subject, string Body, double CreatedAt, string To, string? ExternalId);
