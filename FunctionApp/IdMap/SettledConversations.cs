using FrontFunctions.Caching;

namespace FrontFunctions.IdMap;

/// <summary>
/// What this instance last read or wrote on conversation rows that were settled (a survivor: not merged away, no move into
/// it pending), and when. A hint for <see cref="MessageWriter.TryRecordMessageInSettledConversationAsync"/>, which writes
/// first and then reads the row again, so a stale entry costs a fallback to the full path, never a wrong row; and, while
/// younger than <see cref="ExternalConversationIds.AnswerMemory"/>, the answer to a teammate's reply
/// (<see cref="ExternalConversationIds.BeginAsync"/>). Writes made by this instance keep it current (a merge
/// forgets the merged-away conversation, a list written replaces the entry); writes by other instances show once the entry
/// is older than that. Bounded (<see cref="BoundedMemory{TKey, TValue}"/>): the map is the truth; the hint only spares a read.
/// </summary>
internal sealed class SettledConversations(TimeProvider time, int capacity = 20_000)
{
    // Safe across instances: a hint every writer re-checks against the row; as an answer trusted only while younger than
    // AnswerMemory (10 s), after which another instance's write shows. Bounded: 20k entries, each forgotten after 1 h.
    private readonly BoundedMemory<(string Channel, string Conversation), (IReadOnlyList<string> Ids, DateTimeOffset SeenAt)> _ids =
        new(time, capacity, TimeSpan.FromHours(1));

    /// <summary>True when the conversation was last seen settled and listing every one of <paramref name="externalIds"/>.</summary>
    public bool Lists(string channelId, string conversationId, IReadOnlyCollection<string> externalIds) =>
        _ids.TryGet((channelId, conversationId), out var known)
        && externalIds.All(id => known.Ids.Contains(id, StringComparer.Ordinal));

    /// <summary>The conversation's external ids when it was seen settled, with at least one id, less than <paramref name="maxAge"/> ago.</summary>
    public bool TryGetRecent(string channelId, string conversationId, TimeSpan maxAge, out IReadOnlyList<string> externalIds)
    {
        if (_ids.TryGet((channelId, conversationId), out var known) && known.Ids.Count > 0 && time.GetUtcNow() - known.SeenAt < maxAge)
        {
            externalIds = known.Ids;
            return true;
        }

        externalIds = [];
        return false;
    }

    public void Remember(string channelId, string conversationId, IReadOnlyList<string> externalIds) =>
        _ids.Set((channelId, conversationId), ([.. externalIds], time.GetUtcNow()));

    public void Forget(string channelId, string conversationId) => _ids.Remove((channelId, conversationId));
}
