using System.Security.Cryptography;
using FrontSimulator.Importing;

namespace FrontSimulator.Model;

/// <summary>
/// The in-memory Front company: channels, conversations and messages. One lock guards everything; callers copy what
/// they need while holding it (via the methods here) and render outside.
/// </summary>
internal sealed class SimulatorStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, SimulatedChannel> _channels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimulatedConversation> _conversations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimulatedMessage> _messages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimulatedMessage> _messagesByUid = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Channel, string ExternalConversationId), string> _threads = new();
    private readonly Dictionary<string, (string ChannelId, string ExternalId)> _pendingImports = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deletedChannels = new(StringComparer.Ordinal);

    public void Reset()
    {
        lock (_gate)
        {
            _channels.Clear();
            _conversations.Clear();
            _messages.Clear();
            _messagesByUid.Clear();
            _threads.Clear();
            _pendingImports.Clear();
            _deletedChannels.Clear();
        }
    }

    public void UpsertChannel(SimulatedChannel channel)
    {
        lock (_gate)
        {
            _channels[channel.ChannelId] = channel;
            _deletedChannels.Remove(channel.ChannelId); // registered again: a new channel of the same id
        }
    }

    /// <summary>
    /// Removes the channel as a Front user removing it does: its conversations and messages stay (the simulator's own
    /// snapshots still show them), its token is refused from now on (401). False when the channel is unknown.
    /// </summary>
    public bool DeleteChannel(string channelId)
    {
        lock (_gate)
        {
            if (!_channels.ContainsKey(channelId))
            {
                return false;
            }

            _deletedChannels.Add(channelId);
            return true;
        }
    }

    public bool IsChannelDeleted(string channelId)
    {
        lock (_gate)
        {
            return _deletedChannels.Contains(channelId);
        }
    }

    /// <summary>The links host of <paramref name="channelId"/>'s company (the default company's for an unknown channel).</summary>
    public string HostOf(string? channelId, SimulatorOptions options) =>
        FindChannel(channelId)?.Host(options) ?? options.CompanyHost.TrimEnd('/');

    /// <summary>The company <paramref name="channelId"/> was installed in (null: the default company).</summary>
    public string? CompanyOf(string? channelId) => FindChannel(channelId)?.Company;

    public SimulatedChannel? FindChannel(string? channelId)
    {
        if (channelId is null)
        {
            return null;
        }

        lock (_gate)
        {
            return _channels.GetValueOrDefault(channelId);
        }
    }

    public void AddPendingImport(string uid, string channelId, string externalId)
    {
        lock (_gate)
        {
            _pendingImports[uid] = (channelId, externalId);
        }
    }

    /// <summary>Creates the message of an accepted import, threading it by external conversation id.</summary>
    public SimulatedMessage CreateMessage(AcceptedImport import, double now)
    {
        lock (_gate)
        {
            _pendingImports.Remove(import.MessageUid);
            var draft = import.Draft;
            var key = (import.ChannelId, draft.ExternalConversationId);
            SimulatedConversation conversation;
            if (_threads.TryGetValue(key, out var conversationId))
            {
                conversation = Survivor(_conversations[conversationId]);
            }
            else
            {
                conversation = new SimulatedConversation(NewId("cnv_"), draft.Subject ?? string.Empty, now);
                _conversations.Add(conversation.Id, conversation);
                _threads[key] = conversation.Id;
            }

            conversation.ChannelIds.Add(import.ChannelId);
            if (!conversation.ExternalConversationIds.Contains(draft.ExternalConversationId))
            {
                conversation.ExternalConversationIds.Add(draft.ExternalConversationId);
            }

            var message = new SimulatedMessage(
                NewId("msg_"), import.MessageUid, import.ChannelId, conversation.Id, draft.ExternalId, draft.ExternalConversationId,
                draft.IsInbound, draft.Subject, draft.Body, draft.DeliveredAt ?? now, draft.Recipients);
            _messages.Add(message.Id, message);
            _messagesByUid[message.Uid] = message;
            conversation.MessageIds.Add(message.Id);
            conversation.UpdatedAt = now;
            conversation.MainRecipient ??= draft.Recipients.FirstOrDefault(r => r.Role == (draft.IsInbound ? "from" : "to"));
            return message;
        }
    }

    public SimulatedMessage? FindMessage(string id)
    {
        lock (_gate)
        {
            return _messages.GetValueOrDefault(id);
        }
    }

    public SimulatedMessage? FindMessageByUid(string uid)
    {
        lock (_gate)
        {
            return _messagesByUid.GetValueOrDefault(uid);
        }
    }

    /// <summary>A copy of the conversation as stored (possibly merged away), or null.</summary>
    public ConversationView? FindConversation(string id)
    {
        lock (_gate)
        {
            return _conversations.TryGetValue(id, out var c) ? View(c) : null;
        }
    }

    /// <summary>The conversation a message now belongs to: its own, or the one it was merged into.</summary>
    public ConversationView SurvivingConversationOf(SimulatedMessage message)
    {
        lock (_gate)
        {
            return View(Survivor(_conversations[message.ConversationId]));
        }
    }

    public ConversationView? SurvivorOf(string conversationId)
    {
        lock (_gate)
        {
            return _conversations.TryGetValue(conversationId, out var c) ? View(Survivor(c)) : null;
        }
    }

    /// <summary>A new conversation of the channel with no external ids yet (a teammate starting one in Front).</summary>
    public string CreateConversation(string channelId, double now)
    {
        lock (_gate)
        {
            var conversation = new SimulatedConversation(NewId("cnv_"), string.Empty, now);
            conversation.ChannelIds.Add(channelId);
            _conversations.Add(conversation.Id, conversation);
            return conversation.Id;
        }
    }

    /// <summary>Merges <paramref name="from"/> into <paramref name="into"/>; returns an error text or null.</summary>
    public string? Merge(string from, string into, double now)
    {
        lock (_gate)
        {
            if (!_conversations.TryGetValue(from, out var source) || !_conversations.TryGetValue(into, out var target))
            {
                return "both conversations must exist";
            }

            source = Survivor(source);
            target = Survivor(target);
            if (ReferenceEquals(source, target))
            {
                return "the conversations are already one";
            }

            source.MergedInto = target.Id;
            foreach (var externalId in source.ExternalConversationIds.Where(e => !target.ExternalConversationIds.Contains(e)))
            {
                target.ExternalConversationIds.Add(externalId);
            }

            target.ChannelIds.UnionWith(source.ChannelIds);
            target.MessageIds.AddRange(source.MessageIds);
            target.UpdatedAt = now;
            return null;
        }
    }

    public (IReadOnlyList<ConversationView> Conversations, IReadOnlyList<SimulatedMessage> Messages, IReadOnlyList<string> PendingUids)? ChannelContents(string channelId)
    {
        lock (_gate)
        {
            if (!_channels.ContainsKey(channelId))
            {
                return null;
            }

            var conversations = _conversations.Values.Where(c => c.ChannelIds.Contains(channelId)).Select(View).ToList();
            var messages = _messages.Values.Where(m => m.ChannelId == channelId).ToList();
            var pending = _pendingImports.Where(p => p.Value.ChannelId == channelId).Select(p => p.Key).ToList();
            return (conversations, messages, pending);
        }
    }

    private SimulatedConversation Survivor(SimulatedConversation conversation)
    {
        while (conversation.MergedInto is { } next)
        {
            conversation = _conversations[next];
        }

        return conversation;
    }

    private SimulatedMessage? LastMessage(SimulatedConversation c) =>
        c.MessageIds.Select(id => _messages[id]).OrderBy(m => m.CreatedAt).LastOrDefault();

    private ConversationView View(SimulatedConversation c) => new(
        c.Id, c.Subject, c.CreatedAt, c.UpdatedAt, c.MergedInto, [.. c.ChannelIds], [.. c.ExternalConversationIds],
        [.. c.MessageIds], c.MainRecipient, LastMessage(c)?.Id);

    /// <summary>Front-looking random id: prefix plus base-36 characters.</summary>
    public static string NewId(string prefix)
    {
        const string alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        return prefix + RandomNumberGenerator.GetString(alphabet, 9);
    }

    /// <summary>A message uid like Front's: 32 lowercase hex characters.</summary>
    public static string NewUid() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}

/// <summary>An immutable copy of a conversation.</summary>
internal sealed record ConversationView(
    string Id,
    string Subject,
    double CreatedAt,
    double UpdatedAt,
    string? MergedInto,
    IReadOnlyList<string> ChannelIds,
    IReadOnlyList<string> ExternalConversationIds,
    IReadOnlyList<string> MessageIds,
    MessageParty? MainRecipient,
    string? LastMessageId);
