namespace FrontFunctions.Front;

/// <summary>What this instance's gate has spent of Front's budget, read-only, for the operator console.</summary>
/// <param name="LimitPerMinute">The configured budget (<c>Front__RequestsPerMinute</c>).</param>
/// <param name="RequestsLastMinute">Requests the gate let through in the last 60 seconds (this instance).</param>
/// <param name="RequestsPassed">Requests let through since start.</param>
/// <param name="ThrottledResponses">429 answers seen since start.</param>
/// <param name="LastThrottledAt">When the last 429 arrived (null: none since start).</param>
/// <param name="PausedUntil">When the gate holds every caller until (null when open).</param>
public sealed record FrontRateGateSnapshot(
    int LimitPerMinute,
    int RequestsLastMinute,
    long RequestsPassed,
    int ThrottledResponses,
    DateTimeOffset? LastThrottledAt,
    DateTimeOffset? PausedUntil);

public sealed partial class FrontCompanyGate
{
    private readonly int _limitPerMinute;
    private readonly MinuteUsage _usage = new();

    /// <summary>Until when every caller is held (in the past when the gate is open).</summary>
    public DateTimeOffset PausedUntil => new(Interlocked.Read(ref _pausedUntilTicks), TimeSpan.Zero);

    /// <summary>How many requests (attempts, retries included) the gate has let through.</summary>
    public long RequestsPassed => Interlocked.Read(ref _passed);

    /// <summary>How many callers wait in the token bucket's queue for a token.</summary>
    internal long QueuedForToken => _bucket.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>How many callers wait for a pause that has not ended yet (callers whose pause just ended are not counted).</summary>
    internal int HeldByPause => PausedUntil > _time.GetUtcNow() ? Volatile.Read(ref _heldByPause) : 0;

    /// <summary>Takes a token of the local bucket when one is there (charging a call that passed another gate); never waits.</summary>
    internal void TakeTokenIfAny()
    {
        using var lease = _bucket.AttemptAcquire(1);
    }

    /// <summary>How many 429 answers this process has seen.</summary>
    public int ThrottledResponses => Volatile.Read(ref _throttled);

    /// <summary>How many callers wait for a release slot still ahead (after a pause, callers leave one per slot).</summary>
    internal int HeldByRelease
    {
        get
        {
            var now = _time.GetUtcNow().UtcTicks;
            lock (_releaseLock)
            {
                return _releaseSlots.Count(slot => slot > now);
            }
        }
    }

    /// <summary>A consistent-enough read of the gate's counters (each value is read atomically; together they are a moment's view).</summary>
    public FrontRateGateSnapshot Snapshot()
    {
        var now = _time.GetUtcNow();
        var paused = PausedUntil;
        return new FrontRateGateSnapshot(
            _limitPerMinute,
            _usage.LastMinute(now),
            RequestsPassed,
            ThrottledResponses,
            _usage.LastThrottledAt,
            paused > now ? paused : null);
    }

    /// <summary>Requests per second over the last 60 seconds (a ring of per-second counters) and the time of the last 429.</summary>
    private sealed class MinuteUsage
    {
        private readonly object _lock = new();
        private readonly long[] _seconds = new long[60]; // which unix second each slot counts
        private readonly int[] _counts = new int[60];
        private long _lastThrottledTicks;

        public DateTimeOffset? LastThrottledAt =>
            Interlocked.Read(ref _lastThrottledTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

        public void Passed(DateTimeOffset now)
        {
            var second = now.ToUnixTimeSeconds();
            var slot = (int)(second % 60);
            lock (_lock)
            {
                if (_seconds[slot] != second)
                {
                    _seconds[slot] = second;
                    _counts[slot] = 0;
                }

                _counts[slot]++;
            }
        }

        public void Throttled(DateTimeOffset now) => Interlocked.Exchange(ref _lastThrottledTicks, now.UtcTicks);

        public int LastMinute(DateTimeOffset now)
        {
            var second = now.ToUnixTimeSeconds();
            var total = 0;
            lock (_lock)
            {
                for (var i = 0; i < 60; i++)
                {
                    if (second - _seconds[i] is >= 0 and < 60)
                    {
                        total += _counts[i];
                    }
                }
            }

            return total;
        }
    }
}
