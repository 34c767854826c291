using System.Collections.Concurrent;
using FrontFunctions.Front;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Enrichment;

/// <summary>
/// Shares Front conversation reads within the process: concurrent callers for one conversation await ONE in-flight call,
/// and its answer is reused for <see cref="EnrichmentOptions.ConversationCacheTtl"/>. Failures are not cached.
/// </summary>
public sealed class FrontConversationCache(TimeProvider time, IOptions<EnrichmentOptions> options)
{
    private const int PurgeThreshold = 10_000;
    private readonly ConcurrentDictionary<(string Channel, string Conversation), Entry> _entries = new();
    private readonly TimeSpan _ttl = options.Value.ConversationCacheTtl;

    /// <summary>The conversation, and whether this caller's call is the one that reached Front.</summary>
    public async Task<(FrontConversationResult Result, bool Fetched)> GetAsync(
        string channelId, string conversationId, Func<Task<FrontConversationResult>> fetch, CancellationToken cancellationToken)
    {
        var key = (channelId, conversationId);
        var now = time.GetUtcNow();
        var mine = new Entry(new Lazy<Task<FrontConversationResult>>(fetch), now);
        var entry = _entries.AddOrUpdate(key, mine, (_, existing) => IsUsable(existing, now) ? existing : mine);
        if (ReferenceEquals(entry, mine) && _entries.Count > PurgeThreshold)
        {
            Purge(now);
        }

        try
        {
            // The shared call is not tied to this caller's token: others may still want its answer.
            var result = await entry.Task.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            return (result, ReferenceEquals(entry, mine));
        }
        catch when (entry.Task.Value.IsFaulted || entry.Task.Value.IsCanceled)
        {
            _entries.TryRemove(new KeyValuePair<(string, string), Entry>(key, entry));
            throw;
        }
    }

    /// <summary>Forgets a conversation (after a merge changed what Front would answer).</summary>
    public void Forget(string channelId, string conversationId) => _entries.TryRemove((channelId, conversationId), out _);

    private bool IsUsable(Entry entry, DateTimeOffset now)
    {
        if (!entry.Task.IsValueCreated || !entry.Task.Value.IsCompleted)
        {
            return true; // in flight: share it
        }

        return entry.Task.Value.IsCompletedSuccessfully && now - entry.CreatedAt < _ttl;
    }

    private void Purge(DateTimeOffset now)
    {
        foreach (var pair in _entries)
        {
            if (!IsUsable(pair.Value, now))
            {
                _entries.TryRemove(pair);
            }
        }
    }

    private sealed record Entry(Lazy<Task<FrontConversationResult>> Task, DateTimeOffset CreatedAt);
}
