using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Front;

/// <summary>
/// The one gate every Front API attempt passes (a singleton): it paces calls so a backlog drains at the plan's rate
/// instead of discovering the limit through 429s, and it listens to Front's own accounting in each response.
/// <list type="bullet">
/// <item>Pacing: a token bucket refilled at <c>Front:RequestsPerMinute</c>, holding a few tokens for short bursts, sized so
/// that a burst plus the refill within one second stays under <c>Front:BurstPerSecond</c>.</item>
/// <item>Front's headers (<c>x-ratelimit-limit</c>, <c>-remaining</c>, <c>-reset</c> in UNIX seconds, <c>retry-after</c> in
/// seconds; dev.frontapp.com "Rate limiting"): the limit is per company, shared with every other instance of this app and
/// every other integration, so the headers are the only shared signal. <c>remaining = 0</c> holds every caller until
/// <c>reset</c>; a low <c>remaining</c> spreads the rest of the window; a 429 with <c>remaining &gt; 0</c> is the per-second
/// burst limit and holds callers for <c>retry-after</c> (or one second) only.</item>
/// </list>
/// </summary>
public sealed class FrontRateGate : IDisposable
{
    private static readonly TimeSpan BurstPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinReplenishmentPeriod = TimeSpan.FromMilliseconds(100);
    private const double MillisecondsThreshold = 1e11;
    private static readonly double MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds() - 1;
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

    public FrontRateGate(IOptions<FrontApiOptions> options, TimeProvider time)
    {
        var o = options.Value;
        _time = time;
        _maxPause = o.MaxRateLimitPause;
        _lowWatermark = Math.Max(1, o.BurstPerSecond);
        var perSecond = (int)Math.Ceiling(o.RequestsPerMinute / 60.0);
        // One token per 60/rpm seconds, except that the period never goes below MinReplenishmentPeriod: the limiter's
        // timer counts whole milliseconds, so a shorter period (above 60,000 rpm) became 0 ms, a one-shot timer, and the
        // gate never refilled. Faster rates add several tokens per period instead.
        var tokensPerPeriod = (int)Math.Ceiling(o.RequestsPerMinute * MinReplenishmentPeriod.TotalMinutes);
        _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            // A full bucket plus one second of refill must not exceed the burst limit (but it must hold one period's refill).
            TokenLimit = Math.Max(tokensPerPeriod, o.BurstPerSecond - perSecond),
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromTicks(Math.Max(1, TimeSpan.TicksPerMinute * tokensPerPeriod / o.RequestsPerMinute)),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    /// <summary>Until when every caller is held (in the past when the gate is open).</summary>
    public DateTimeOffset PausedUntil => new(Interlocked.Read(ref _pausedUntilTicks), TimeSpan.Zero);

    /// <summary>How many requests (attempts, retries included) the gate has let through.</summary>
    public long RequestsPassed => Interlocked.Read(ref _passed);

    /// <summary>How many 429 answers this process has seen.</summary>
    public int ThrottledResponses => Volatile.Read(ref _throttled);

    /// <summary>Waits for any pause Front imposed, then for a token, then for room in Front's current window.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await WaitWhilePausedAsync(cancellationToken).ConfigureAwait(false);
            using var lease = await _bucket.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
            if (!lease.IsAcquired)
            {
                throw new InvalidOperationException("The Front rate gate refused a request (its queue is full).");
            }

            // A pause may have begun while this caller queued for its token.
            await WaitWhilePausedAsync(cancellationToken).ConfigureAwait(false);
            if (TryTakeFromBudget())
            {
                Interlocked.Increment(ref _passed);
                return;
            }

            // Front's window is spent: TryTakeFromBudget paused the gate until its reset. This token is dropped and the
            // caller queues again behind the pause, so callers do not pile up holding tokens and leave all at once.
        }
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
        var remaining = HeaderNumber(response, "x-ratelimit-remaining");
        var reset = ResetTime(HeaderNumber(response, "x-ratelimit-reset"));
        if (reset is { } far && far - now > _maxPause)
        {
            reset = now + _maxPause; // clock skew or a bad header: never trusted beyond the longest pause
        }

        var retryAfter = RetryAfter(response, now);
        if (remaining is { } known && reset is { } windowEnd && windowEnd > now)
        {
            RecordBudget((int)Math.Max(0, Math.Min(known, int.MaxValue)), windowEnd);
        }

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            Interlocked.Increment(ref _throttled);
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

    private async ValueTask WaitWhilePausedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var wait = PausedUntil - _time.GetUtcNow();
            if (wait <= TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
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

    /// <summary>A header's value as a finite number; anything else (absent, garbage, NaN, Infinity) is null.</summary>
    private static double? HeaderNumber(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values)
        && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
        && double.IsFinite(value)
            ? value
            : null;

    /// <summary>
    /// <c>x-ratelimit-reset</c> as a time, or null when it cannot be one. Front documents UNIX seconds (its example:
    /// 1454450858); a value of <see cref="MillisecondsThreshold"/> or more would be seconds after the year 5000, so it is read
    /// as milliseconds (a proxy or a future change); what is still beyond <see cref="DateTimeOffset.MaxValue"/>, zero or
    /// negative is ignored. Never throws: a header must not cost the good response it came with.
    /// </summary>
    private static DateTimeOffset? ResetTime(double? value)
    {
        if (value is not { } v || !double.IsFinite(v) || v <= 0)
        {
            return null;
        }

        var seconds = v >= MillisecondsThreshold ? v / 1000 : v;
        return seconds <= MaxUnixSeconds
            ? DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond))
            : null;
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
            _ => null,
        };

    public void Dispose() => _bucket.Dispose();
}
