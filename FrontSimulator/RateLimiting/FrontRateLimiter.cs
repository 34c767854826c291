namespace FrontSimulator.RateLimiting;

/// <summary>Why a request was refused with 429, if it was.</summary>
internal enum RateLimitVerdict
{
    Allowed,
    BurstLimited,
    CompanyLimited,
}

/// <summary>What goes into the <c>x-ratelimit-*</c> and <c>retry-after</c> headers.</summary>
internal readonly record struct RateLimitState(RateLimitVerdict Verdict, int Limit, int Remaining, long ResetUnixSeconds, int RetryAfterSeconds);

/// <summary>
/// Front's two limits: a company budget of requests per minute (one fixed window of 60 s that starts with the first
/// request after the previous window ended; all channels of the simulator are one company) and a burst limit of
/// N requests in any sliding second per channel. A burst 429 leaves the company budget untouched (remaining &gt; 0);
/// a company 429 has remaining 0. Refused requests consume nothing.
/// </summary>
internal sealed class FrontRateLimiter
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly SimulatorOptions _options;
    private readonly Dictionary<string, Queue<DateTimeOffset>> _recentByChannel = new(StringComparer.Ordinal);
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private int _used;

    public FrontRateLimiter(TimeProvider time, SimulatorOptions options)
    {
        _time = time;
        _options = options;
        RequestsPerMinute = options.RequestsPerMinute;
        BurstPerSecond = options.BurstPerSecond;
    }

    public int RequestsPerMinute { get; private set; }
    public int BurstPerSecond { get; private set; }

    public void Configure(int requestsPerMinute, int burstPerSecond)
    {
        lock (_gate)
        {
            RequestsPerMinute = requestsPerMinute;
            BurstPerSecond = burstPerSecond;
            _windowStart = DateTimeOffset.MinValue;
            _used = 0;
            _recentByChannel.Clear();
        }
    }

    public void Reset() => Configure(_options.RequestsPerMinute, _options.BurstPerSecond);

    /// <summary>Counts one request of <paramref name="burstKey"/> (its channel) if both limits allow it.</summary>
    public RateLimitState TryAcquire(string burstKey)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            RollWindow(now);
            if (_used >= RequestsPerMinute)
            {
                return State(RateLimitVerdict.CompanyLimited, now, Seconds(_windowStart + Minute - now));
            }

            if (!_recentByChannel.TryGetValue(burstKey, out var recent))
            {
                _recentByChannel[burstKey] = recent = new Queue<DateTimeOffset>();
            }

            while (recent.Count > 0 && now - recent.Peek() >= Second)
            {
                recent.Dequeue();
            }

            if (recent.Count >= BurstPerSecond)
            {
                return State(RateLimitVerdict.BurstLimited, now, Seconds(recent.Peek() + Second - now));
            }

            recent.Enqueue(now);
            _used++;
            return State(RateLimitVerdict.Allowed, now, 0);
        }
    }

    /// <summary>The current state without counting a request (for answers that are not counted, such as 401).</summary>
    public RateLimitState Peek()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            RollWindow(now);
            return State(RateLimitVerdict.Allowed, now, 0);
        }
    }

    private void RollWindow(DateTimeOffset now)
    {
        if (now - _windowStart >= Minute)
        {
            _windowStart = now;
            _used = 0;
        }
    }

    private RateLimitState State(RateLimitVerdict verdict, DateTimeOffset now, int retryAfter) => new(
        verdict,
        RequestsPerMinute,
        Math.Max(0, RequestsPerMinute - _used),
        (long)Math.Ceiling((_windowStart + Minute).ToUnixTimeMilliseconds() / 1000.0),
        retryAfter);

    private static int Seconds(TimeSpan span) => Math.Max(1, (int)Math.Ceiling(span.TotalSeconds));
}
