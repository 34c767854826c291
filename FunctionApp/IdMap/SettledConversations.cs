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

/// <summary>A bounded map of hints (cleared when full): what this instance read last, never trusted without a check.</summary>
internal sealed class RecentHints<TKey, TValue>(int capacity = 20_000) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _values = new();

    public bool TryGet(TKey key, out TValue value) => _values.TryGetValue(key, out value!);

    public void Remember(TKey key, TValue value)
    {
        if (_values.Count >= capacity)
        {
            _values.Clear();
        }

        _values[key] = value;
    }

    public void Forget(TKey key) => _values.TryRemove(key, out _);
}
