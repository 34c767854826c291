using System.Collections.Concurrent;

namespace FrontFunctions.IdMap;

/// <summary>
/// What this instance last read on conversation rows that were settled (a survivor: not merged away, no move into it
/// pending) — only a hint for <see cref="IdMapStore.TryRecordMessageInSettledConversationAsync"/>, which writes first and
/// then reads the row again, so a stale entry costs a fallback to the full path, never a wrong row. Bounded: cleared when
/// full (the map is the truth; the hint only spares a read).
/// </summary>
internal sealed class SettledConversations(int capacity = 20_000)
{
    private readonly ConcurrentDictionary<(string Channel, string Conversation), IReadOnlyList<string>> _ids = new();

    /// <summary>True when the conversation was last seen settled and listing every one of <paramref name="externalIds"/>.</summary>
    public bool Lists(string channelId, string conversationId, IReadOnlyCollection<string> externalIds) =>
        _ids.TryGetValue((channelId, conversationId), out var known)
        && externalIds.All(id => known.Contains(id, StringComparer.Ordinal));

    public void Remember(string channelId, string conversationId, IReadOnlyList<string> externalIds)
    {
        if (_ids.Count >= capacity)
        {
            _ids.Clear();
        }

        _ids[(channelId, conversationId)] = externalIds;
    }

    public void Forget(string channelId, string conversationId) => _ids.TryRemove((channelId, conversationId), out _);
}
