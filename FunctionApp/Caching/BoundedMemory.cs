// MemoryCache comes with the Microsoft.AspNetCore.App shared framework (FunctionApp.csproj): a PackageReference is NU1510.
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;

namespace FrontFunctions.Caching;

/// <summary>
/// The one in-process memory type: at most <c>capacity</c> entries, each forgotten <c>timeToLive</c> after it was written
/// (absolute expiration, measured on the app's <see cref="TimeProvider"/> so fake-time tests move it). Over
/// <see cref="MemoryCache"/> with <see cref="MemoryCacheOptions.SizeLimit"/> (every entry has size 1): when full, a write is
/// refused (and a key's older entry dropped) while the cache compacts in the background, so a caller must treat a miss as
/// "read the truth" — every use in this app is a hint or a short-lived reuse, never the only copy of anything.
/// </summary>
public sealed class BoundedMemory<TKey, TValue> : IDisposable where TKey : notnull
{
    private readonly MemoryCache _cache;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeToLive;
    private readonly Lock _gate = new();

    public BoundedMemory(TimeProvider time, int capacity, TimeSpan timeToLive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        _time = time;
        _timeToLive = timeToLive;
        _cache = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = capacity,
            // Expired entries are also found on every read; the scan only frees memory of entries nobody reads.
            ExpirationScanFrequency = TimeSpan.FromMinutes(1),
            // MemoryCacheOptions takes no TimeProvider (10.0): ISystemClock is its clock, adapted below.
            Clock = new TimeProviderClock(time),
        });
    }

    /// <summary>How many entries are held now (expired ones not yet swept included).</summary>
    public int Count => _cache.Count;

    /// <summary>The value written for <paramref name="key"/> less than the time-to-live ago, if still held.</summary>
    public bool TryGet(TKey key, out TValue value)
    {
        if (_cache.TryGetValue(key, out var found) && found is Holder holder)
        {
            value = holder.Value;
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>Remembers <paramref name="value"/> for the time-to-live from now (refused, the key forgotten, when full).</summary>
    public void Set(TKey key, TValue value)
    {
        // Forget the older value first: a write refused for capacity must never leave it answering.
        _cache.Remove(key);
        using var entry = _cache.CreateEntry(key);
        entry.Value = new Holder(value);
        entry.Size = 1;
        entry.AbsoluteExpiration = _time.GetUtcNow() + _timeToLive;
    }

    /// <summary>
    /// Atomically (against other calls of this method and <see cref="Remove(TKey, TValue)"/>): the held value when
    /// <paramref name="keep"/> accepts it, else <paramref name="value"/>, written for the time-to-live.
    /// </summary>
    public TValue GetOrSet(TKey key, TValue value, Func<TValue, bool> keep)
    {
        lock (_gate)
        {
            if (TryGet(key, out var held) && keep(held))
            {
                return held;
            }

            Set(key, value);
            return value;
        }
    }

    /// <summary>Forgets <paramref name="key"/>.</summary>
    public void Remove(TKey key) => _cache.Remove(key);

    /// <summary>Forgets <paramref name="key"/> only while it still holds <paramref name="expected"/> (same reference or equal).</summary>
    public void Remove(TKey key, TValue expected)
    {
        lock (_gate)
        {
            if (TryGet(key, out var held) && EqualityComparer<TValue>.Default.Equals(held, expected))
            {
                _cache.Remove(key);
            }
        }
    }

    public void Dispose() => _cache.Dispose();

    // A box, so a default/null value is told apart from a miss.
    private sealed record Holder(TValue Value);

    private sealed class TimeProviderClock(TimeProvider time) : ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
