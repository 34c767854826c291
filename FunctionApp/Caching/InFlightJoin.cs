using System.Collections.Concurrent;

namespace FrontFunctions.Caching;

/// <summary>
/// One piece of work per key at a time: callers asking for a key while its work runs share it (its result or its
/// failure). Not a memory: the entry is removed when the work completes, so nothing is answered from it afterwards. The
/// shared work is not cancelled by one caller giving up; a caller's token only ends its own wait.
/// </summary>
public sealed class InFlightJoin<TKey, TValue>(IEqualityComparer<TKey>? comparer = null) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Task<TValue>> _running = new(comparer);

    /// <summary>The running work for <paramref name="key"/>, or <paramref name="work"/> started now and shared.</summary>
    public Task<TValue> JoinAsync(TKey key, Func<Task<TValue>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var mine = new TaskCompletionSource<TValue>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = _running.GetOrAdd(key, mine.Task);
        if (shared == mine.Task)
        {
            _ = RunAsync();
        }

        return shared.WaitAsync(cancellationToken);

        async Task RunAsync()
        {
            try
            {
                mine.SetResult(await work().ConfigureAwait(false));
            }
            catch (Exception e)
            {
                mine.SetException(e);
            }
            finally
            {
                _running.TryRemove(new KeyValuePair<TKey, Task<TValue>>(key, mine.Task));
            }
        }
    }
}
