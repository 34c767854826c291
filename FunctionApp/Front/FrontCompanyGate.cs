using System.Net;
using System.Threading.RateLimiting;

namespace FrontFunctions.Front;

/// <summary>
/// The gate of one Front company (one per company that <see cref="FrontRateGate"/> has learned, plus one for channels whose
/// company is not known yet): it paces calls so a backlog drains at the company's rate instead of discovering the limit
/// through 429s, and it listens to Front's own accounting in each response.
/// <list type="bullet">
/// <item>Pacing: a token bucket refilled at the company's limit (Front's <c>x-ratelimit-limit</c>; <c>Front:RequestsPerMinute</c>
/// until it is known), holding a few tokens for short bursts, sized so
/// that a burst plus the refill within one second stays under <c>Front:BurstPerSecond</c>.</item>
/// <item>Front's headers (<c>x-ratelimit-limit</c>, <c>-remaining</c>, <c>-reset</c> in UNIX seconds, <c>retry-after</c> in
/// seconds; dev.frontapp.com "Rate limiting"): the limit is per company, shared with every other instance of this app and
/// every other integration, so the headers are the only shared signal. <c>remaining = 0</c> holds every caller until
/// <c>reset</c>; a low <c>remaining</c> spreads the rest of the window; a 429 with <c>remaining &gt; 0</c> is the per-second
/// burst limit and holds callers for <c>retry-after</c> (or one second) only. A reset that is not a plausible time (NaN,
/// Infinity, 1e300, negative, garbage) is ignored; one in milliseconds is read as such; none holds callers longer than
/// <c>Front:MaxRateLimitPause</c>.</item>
/// <item>After a pause, the callers it held leave at the burst rate (one per 1/<c>Front:BurstPerSecond</c>, on the gate's
/// clock), not all at the instant it ends; a token the bucket handed out during a pause is dropped.</item>
/// </list>
/// </summary>
public sealed partial class FrontCompanyGate : IDisposable
{
    /// <summary>The company this gate paces (<see cref="FrontRateGate.UnknownCompany"/> for channels not known yet).</summary>
    public string Company { get; }

    /// <summary>The company's limit this gate paces to, requests per minute.</summary>
    public int LimitPerMinute => _limitPerMinute;

    private static readonly TimeSpan BurstPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinReplenishmentPeriod = TimeSpan.FromMilliseconds(100);
    private readonly TokenBucketRateLimiter _bucket;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxPause;
    private readonly int _lowWatermark;
    private long _pausedUntilTicks;
    private readonly object _budgetLock = new();
    private long _budgetResetTicks; // end of Front's current window as its headers gave it (0 = unknown)
    private int _budgetLeft;        // Front's remaining for that window, minus what this process sent since
    private int _throttled;
    private long _passed;
    private int _heldByPause;
    private readonly TimeSpan _releaseSpacing;      // 1 / BurstPerSecond
    private readonly object _releaseLock = new();
    private long _nextReleaseTicks;                  // after a pause: when the next caller may leave (past = no schedule)
    private readonly List<long> _releaseSlots = [];  // slots callers are waiting for (diagnostics: HeldByRelease)

    public FrontCompanyGate(FrontApiOptions o, string company, int limitPerMinute, TimeProvider time, SharedFrontBudget? shared = null)
    {
        Company = company;
        _time = time;
        _shared = shared is { Enabled: true } ? shared : null;
        _fallback = _shared is null ? null : new FallbackPacer(_shared.Options.FallbackPerInstance(limitPerMinute), time);
        _maxPause = o.MaxRateLimitPause;
        _limitPerMinute = limitPerMinute;
        _lowWatermark = Math.Max(1, o.BurstPerSecond);
        var perSecond = (int)Math.Ceiling(limitPerMinute / 60.0);
        // One token per 60/rpm seconds, except that the period never goes below MinReplenishmentPeriod: the limiter's
        // timer counts whole milliseconds, so a shorter period (above 60,000 rpm) became 0 ms, a one-shot timer, and the
        // gate never refilled. Faster rates add several tokens per period instead.
        var tokensPerPeriod = (int)Math.Ceiling(limitPerMinute * MinReplenishmentPeriod.TotalMinutes);
        _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            // A full bucket plus one second of refill must not exceed the burst limit (but it must hold one period's refill).
            TokenLimit = Math.Max(tokensPerPeriod, o.BurstPerSecond - perSecond),
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromTicks(Math.Max(1, TimeSpan.TicksPerMinute * tokensPerPeriod / limitPerMinute)),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
        _releaseSpacing = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / Math.Max(1, o.BurstPerSecond));
    }

    /// <summary>
    /// Waits for any pause Front imposed, then (shared budget on) for a token of the company's shared budget, then for a
    /// local token, then (after a pause) for a release slot, then for room in Front's current window.
    /// </summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        var held = false;
        var sharedTaken = false;
        while (true)
        {
            held |= await WaitWhilePausedAsync(cancellationToken).ConfigureAwait(false);
            if (!sharedTaken)
            {
                await TakeSharedTokenAsync(cancellationToken).ConfigureAwait(false); // kept across a local pause
                sharedTaken = true;
            }

            using (var lease = await _bucket.AcquireAsync(1, cancellationToken).ConfigureAwait(false))
            {
                if (!lease.IsAcquired)
                {
                    throw new InvalidOperationException("The Front rate gate refused a request (its queue is full).");
                }
            }

            // A pause began while this caller queued for its token: the token is dropped and the caller queues again after
            // the pause. Keeping it, every caller the bucket served during the pause left at the instant the pause ended.
            if (IsPaused)
            {
                held = true;
                continue;
            }

            if (!await WaitForReleaseSlotAsync(held, cancellationToken).ConfigureAwait(false))
            {
                held = true; // a new pause began while it waited for its slot
                continue;
            }

            if (TryTakeFromBudget())
            {
                Interlocked.Increment(ref _passed);
                _usage.Passed(_time.GetUtcNow());
                return;
            }

            // Front's window is spent: TryTakeFromBudget paused the gate until its reset. This token is dropped and the
            // caller queues again behind the pause, so callers do not pile up holding tokens and leave all at once.
            held = true;
        }
    }

    private bool IsPaused => Interlocked.Read(ref _pausedUntilTicks) > _time.GetUtcNow().UtcTicks;

    /// <summary>
    /// After a pause, callers leave at the burst rate (one per 1/<c>BurstPerSecond</c>, on the gate's clock) instead of all at
    /// the instant the pause ends, which would draw the same 429 again. A caller the pause held takes the next slot; so does
    /// every other caller until the schedule has caught up with the clock. Returns false when a pause began meanwhile.
    /// </summary>
    private async ValueTask<bool> WaitForReleaseSlotAsync(bool held, CancellationToken cancellationToken)
    {
        long slot, now;
        lock (_releaseLock)
        {
            now = _time.GetUtcNow().UtcTicks;
            if (!held && _nextReleaseTicks <= now)
            {
                return true;
            }

            slot = Math.Max(now, _nextReleaseTicks);
            _nextReleaseTicks = slot + _releaseSpacing.Ticks;
            if (slot == now)
            {
                return true;
            }

            _releaseSlots.Add(slot);
        }

        try
        {
            // Capped: a clock stepped back must not turn a slot into an hours-long wait.
            await Task.Delay(Capped(TimeSpan.FromTicks(slot - now)), _time, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_releaseLock)
            {
                _releaseSlots.Remove(slot);
            }
        }

        return !IsPaused;
    }

    /// <summary>
    /// Counts this request against what Front said is left of the current window. When nothing is left it pauses the gate
    /// until the window's reset and returns false. Without this, the tokens the bucket saved up during a low-remaining
    /// pause let several callers leave at once when it ended, more of them than Front's <c>remaining</c> (429s).
    /// </summary>
    private bool TryTakeFromBudget()
    {
        DateTimeOffset until, now;
        lock (_budgetLock)
        {
            now = _time.GetUtcNow();
            if (_budgetResetTicks == 0 || now.UtcTicks >= _budgetResetTicks)
            {
                _budgetResetTicks = 0; // a new window: its budget is known again from the next answer
                return true;
            }

            if (_budgetLeft > 0)
            {
                _budgetLeft--;
                return true;
            }

            until = new DateTimeOffset(_budgetResetTicks, TimeSpan.Zero);
            if (until - now > _maxPause)
            {
                _budgetResetTicks = 0; // a reset far ahead is clock skew or a bad header: go after the capped pause
            }
        }

        PauseUntil(until, now); // capped at MaxRateLimitPause
        return false;
    }

    /// <summary>Records Front's <c>remaining</c> for the window ending at <paramref name="reset"/> (the lower count wins within a window).</summary>
    private void RecordBudget(int left, DateTimeOffset reset)
    {
        lock (_budgetLock)
        {
            var ticks = reset.UtcTicks;
            if (ticks > _budgetResetTicks)
            {
                _budgetResetTicks = ticks;
                _budgetLeft = left;
            }
            else if (ticks == _budgetResetTicks)
            {
                _budgetLeft = Math.Min(_budgetLeft, left);
            }
        }
    }

    /// <summary>Reads Front's rate-limit headers from a response and pauses the gate when they say so.</summary>
    public void Observe(HttpResponseMessage response)
    {
        var now = _time.GetUtcNow();
        var (remaining, reset, retryAfter) = FrontRateLimitHeaders.Read(response, now);
        if (reset is { } far && far - now > _maxPause)
        {
            reset = now + _maxPause; // clock skew or a bad header: never trusted beyond the longest pause
        }

        if (remaining is { } known && reset is { } windowEnd && windowEnd > now)
        {
            RecordBudget((int)Math.Max(0, Math.Min(known, int.MaxValue)), windowEnd);
        }

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            Interlocked.Increment(ref _throttled);
            _usage.Throttled(now);
            if (remaining > 0)
            {
                // The burst limit: the minute still has room, so wait the second out, not the minute.
                PauseUntil(now + (retryAfter ?? BurstPause), now);
            }
            else
            {
                var until = now + (retryAfter ?? BurstPause);
                if (reset is { } r && r > until)
                {
                    until = r;
                }

                PauseUntil(until, now);
            }

            return;
        }

        if (remaining is not { } left)
        {
            return;
        }

        if (left <= 0)
        {
            PauseUntil(reset is { } r && r > now ? r : now + BurstPause, now);
        }
        else if (left <= _lowWatermark && reset is { } r && r > now)
        {
            // Others (other instances, other integrations) are using the same budget: spread what is left of it.
            PauseUntil(now + (r - now) / (left + 1), now);
        }
    }

    /// <summary>Waits until no pause holds callers; true when it had to wait.</summary>
    private async ValueTask<bool> WaitWhilePausedAsync(CancellationToken cancellationToken)
    {
        var waited = false;
        while (true)
        {
            var wait = PausedUntil - _time.GetUtcNow();
            if (wait <= TimeSpan.Zero)
            {
                return waited;
            }

            waited = true;
            Interlocked.Increment(ref _heldByPause);
            try
            {
                await Task.Delay(Capped(wait), _time, cancellationToken).ConfigureAwait(false); // a clock stepped back: re-read
            }
            finally
            {
                Interlocked.Decrement(ref _heldByPause);
            }
        }
    }

    private void PauseUntil(DateTimeOffset until, DateTimeOffset now)
    {
        if (until - now > _maxPause)
        {
            until = now + _maxPause; // a reset far ahead is clock skew or a bad header, not a reason to stall for long
        }

        var ticks = until.UtcTicks;
        long current;
        do
        {
            current = Interlocked.Read(ref _pausedUntilTicks);
            if (current >= ticks)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _pausedUntilTicks, ticks, current) != current);
    }

    /// <summary>No wait is longer than the longest pause (a pause set before the clock stepped back would otherwise grow).</summary>
    private TimeSpan Capped(TimeSpan wait) => wait < _maxPause ? wait : _maxPause;

    public void Dispose()
    {
        _stopping.Cancel();
        _bucket.Dispose();
        _stopping.Dispose();
    }
}
