namespace FrontFunctions.Front;

/// <summary>
/// Paces one instance's calls to one company while the shared budget is unreachable: calls leave at least
/// 1/<see cref="PerMinute"/> minute apart, so any 60-second window holds at most <see cref="PerMinute"/> of them (k calls
/// spaced 60/k s apart span (k-1)·60/k s; a (k+1)th cannot fit). <see cref="PerMinute"/> is this instance's share of the
/// company limit (<see cref="SharedBudgetOptions.FallbackPerInstance"/>), so every instance that may call Front, falling back
/// at once, stays within the limit together. A share of 0 (more instances than the limit allows one call a minute each)
/// lets no call through: callers wait for the fallback to end and ask storage again.
/// </summary>
public sealed class FallbackPacer(int perMinute, TimeProvider time)
{
    private readonly object _lock = new();
    private readonly long _spacingTicks = perMinute > 0 ? TimeSpan.TicksPerMinute / perMinute + 1 : long.MaxValue;
    private long _nextTicks;

    /// <summary>This instance's calls per minute while it falls back.</summary>
    public int PerMinute => perMinute;

    /// <summary>
    /// Waits for this instance's next slot; true when it got one before <paramref name="until"/> (the end of the fallback),
    /// false when it waited for the fallback to end instead. Each wait is at most one slot's spacing (or the fallback's
    /// remaining time), so a clock stepped back does not stretch it, and ends when <paramref name="cancellationToken"/> does.
    /// </summary>
    public async ValueTask<bool> WaitAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcTicks;
        long slot;
        lock (_lock)
        {
            slot = Math.Max(now, _nextTicks);
            if (perMinute <= 0 || slot >= until.UtcTicks)
            {
                slot = -1; // no slot for this instance in this fallback
            }
            else
            {
                _nextTicks = slot + _spacingTicks;
            }
        }

        if (slot < 0)
        {
            var rest = Math.Clamp(until.UtcTicks - now, 0, TimeSpan.TicksPerMinute);
            await Task.Delay(TimeSpan.FromTicks(rest), time, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (slot > now)
        {
            await Task.Delay(TimeSpan.FromTicks(Math.Min(slot - now, _spacingTicks)), time, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}
