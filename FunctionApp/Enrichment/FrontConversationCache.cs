using FrontFunctions.Caching;
using FrontFunctions.Front;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Enrichment;

/// <summary>
/// Shares Front conversation reads within the process: concurrent callers for one conversation await ONE in-flight call,
/// and its answer is reused for <see cref="EnrichmentOptions.ConversationCacheTtl"/>. Failures are not cached.
/// </summary>
public sealed class FrontConversationCache(TimeProvider time, IOptions<EnrichmentOptions> options)
{
    /// <summary>How long an entry is held beyond the TTL, so a call still in flight stays shared (Front calls end well before).</summary>
    private static readonly TimeSpan InFlightMargin = TimeSpan.FromMinutes(2);

    private readonly TimeSpan _ttl = options.Value.ConversationCacheTtl;

    // Safe across instances: an answer Front gave is reused for ConversationCacheTtl only (another instance's merge shows
    // after that; this instance's merges forget the entry). 10k conversations, each held TTL + InFlightMargin at most.
    private readonly BoundedMemory<(string Channel, string Conversation), Entry> _entries =
        new(time, 10_000, options.Value.ConversationCacheTtl + InFlightMargin);

    /// <summary>The conversation, and whether this caller's call is the one that reached Front.</summary>
    public async Task<(FrontConversationResult Result, bool Fetched)> GetAsync(
        string channelId, string conversationId, Func<Task<FrontConversationResult>> fetch, CancellationToken cancellationToken)
    {
        var key = (channelId, conversationId);
        var now = time.GetUtcNow();
        var mine = new Entry(new Lazy<Task<FrontConversationResult>>(fetch), now);
        var entry = _entries.GetOrSet(key, mine, existing => IsUsable(existing, now));

        try
        {
            // The shared call is not tied to this caller's token: others may still want its answer.
            var result = await entry.Task.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            return (result, ReferenceEquals(entry, mine));
        }
        catch when (entry.Task.Value.IsFaulted || entry.Task.Value.IsCanceled)
        {
            _entries.Remove(key, entry);
            throw;
        }
    }

    /// <summary>Forgets a conversation (after a merge changed what Front would answer).</summary>
    public void Forget(string channelId, string conversationId) => _entries.Remove((channelId, conversationId));

    private bool IsUsable(Entry entry, DateTimeOffset now)
    {
        if (!entry.Task.IsValueCreated || !entry.Task.Value.IsCompleted)
        {
            return true; // in flight: share it
        }

        return entry.Task.Value.IsCompletedSuccessfully && now - entry.CreatedAt < _ttl;
    }

    // Compared by reference (a class, not a record): Remove(key, entry) forgets only this very call.
    private sealed class Entry(Lazy<Task<FrontConversationResult>> task, DateTimeOffset createdAt)
    {
        public Lazy<Task<FrontConversationResult>> Task { get; } = task;

        public DateTimeOffset CreatedAt { get; } = createdAt;
    }
}
