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
/// Front's two limits: a budget of requests per minute per company (one fixed window of 60 s that starts with the first
/// request after the previous window ended) and a burst limit of N requests in any sliding second per channel. Channels
/// registered with a company count against that company's budget (its own limit when one was set, else the global one);
/// the others, and the company token, against the default company's. A burst 429 leaves the company budget untouched
/// (remaining &gt; 0); a company 429 has remaining 0. Refused requests consume nothing.
/// </summary>
internal sealed class FrontRateLimiter
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly SimulatorOptions _options;
    private readonly Dictionary<string, Queue<DateTimeOffset>> _recentByChannel = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _companyLimits = new(StringComparer.Ordinal);

    /// <summary>The name the default company's counts go under.</summary>
    public const string DefaultCompany = "default";

    private sealed class Window
    {
        public DateTimeOffset Start = DateTimeOffset.MinValue;
        public int Used;
    }

    public static bool IsCompanyName(string? name) =>
        name is { Length: > 0 and <= 63 } && name != DefaultCompany && name[0] != '-' && name[^1] != '-'
        && name.All(ch => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

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
            _windows.Clear();
            _recentByChannel.Clear();
        }
    }

    /// <summary>Gives <paramref name="company"/> its own limit; its window restarts.</summary>
    public void ConfigureCompany(string company, int requestsPerMinute)
    {
        lock (_gate)
        {
            _companyLimits[company] = requestsPerMinute;
            _windows.Remove(company);
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _companyLimits.Clear();
        }

        Configure(_options.RequestsPerMinute, _options.BurstPerSecond);
    }

    private int LimitOf(string company) => _companyLimits.TryGetValue(company, out var limit) ? limit : RequestsPerMinute;

    /// <summary>Counts one request of <paramref name="burstKey"/> (its channel) of <paramref name="company"/> (null = default) if both limits allow it.</summary>
    public RateLimitState TryAcquire(string? company, string burstKey)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var name = company ?? DefaultCompany;
            var window = RollWindow(name, now);
            if (window.Used >= LimitOf(name))
            {
                return State(name, window, RateLimitVerdict.CompanyLimited, Seconds(window.Start + Minute - now));
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
                return State(name, window, RateLimitVerdict.BurstLimited, Seconds(recent.Peek() + Second - now));
            }

            recent.Enqueue(now);
            window.Used++;
            return State(name, window, RateLimitVerdict.Allowed, 0);
        }
    }

    /// <summary>The current state of <paramref name="company"/> (null = default) without counting a request (for answers that are not counted, such as 401).</summary>
    public RateLimitState Peek(string? company = null)
    {
        lock (_gate)
        {
            var name = company ?? DefaultCompany;
            return State(name, RollWindow(name, _time.GetUtcNow()), RateLimitVerdict.Allowed, 0);
        }
    }

    private Window RollWindow(string company, DateTimeOffset now)
    {
        if (!_windows.TryGetValue(company, out var window))
        {
            _windows[company] = window = new Window();
        }

        if (now - window.Start >= Minute)
        {
            window.Start = now;
            window.Used = 0;
        }

        return window;
    }

    private RateLimitState State(string company, Window window, RateLimitVerdict verdict, int retryAfter) => new(
        verdict,
        LimitOf(company),
        Math.Max(0, LimitOf(company) - window.Used),
        (long)Math.Ceiling((window.Start + Minute).ToUnixTimeMilliseconds() / 1000.0),
        retryAfter);

    private static int Seconds(TimeSpan span) => Math.Max(1, (int)Math.Ceiling(span.TotalSeconds));
}
