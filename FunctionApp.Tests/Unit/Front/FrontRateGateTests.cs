using System.Net;
using FrontFunctions.Front;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Unit.Front;

public sealed class FrontRateGateTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    private FrontRateGate Gate(int rpm = 60_000, int burst = 1_000) =>
        new(Options.Create(new FrontApiOptions { RequestsPerMinute = rpm, BurstPerSecond = burst }), _time);

    private HttpResponseMessage Response(HttpStatusCode status, int? remaining = null, TimeSpan? resetIn = null, int? retryAfterSeconds = null)
    {
        var response = new HttpResponseMessage(status);
        response.Headers.Add("x-ratelimit-limit", "100");
        if (remaining is { } r)
        {
            response.Headers.Add("x-ratelimit-remaining", r.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (resetIn is { } reset)
        {
            response.Headers.Add("x-ratelimit-reset", (_time.GetUtcNow() + reset).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (retryAfterSeconds is { } s)
        {
            response.Headers.Add("Retry-After", s.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return response;
    }

    [Fact]
    public async Task Remaining_zero_holds_every_caller_until_reset()
    {
        using var gate = Gate();
        gate.Observe(Response(HttpStatusCode.OK, remaining: 0, resetIn: TimeSpan.FromSeconds(30)));

        var first = gate.WaitAsync(CancellationToken.None).AsTask();
        var second = gate.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(first.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(1));
        await Task.WhenAny(first, second).WaitAsync(Deadline);

        // After a pause, callers leave at the burst rate (1,000/s here): the other one a slot (1 ms) later. Its wait is a
        // delay computed when it took the slot, so if this thread advances the fake clock between that and the timer's
        // creation (a busy machine), the timer lands one slot later: it must leave within two slots.
        var slots = 0;
        var both = Task.WhenAll(first, second);
        while (!both.IsCompleted && slots < 2)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            slots++;
            await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(2)));
        }

        await both.WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_429_without_remaining_waits_for_retry_after_or_reset_whichever_is_later()
    {
        using var gate = Gate();
        gate.Observe(Response(HttpStatusCode.TooManyRequests, remaining: 0, resetIn: TimeSpan.FromSeconds(20), retryAfterSeconds: 5));

        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(20), gate.PausedUntil);
        Assert.Equal(1, gate.ThrottledResponses);
        var waiting = gate.WaitAsync(CancellationToken.None).AsTask();
        _time.Advance(TimeSpan.FromSeconds(19));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        await waiting.WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_429_with_remaining_is_the_burst_limit_and_waits_retry_after_only()
    {
        using var gate = Gate();
        gate.Observe(Response(HttpStatusCode.TooManyRequests, remaining: 40, resetIn: TimeSpan.FromSeconds(50), retryAfterSeconds: 2));

        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(2), gate.PausedUntil);
        var waiting = gate.WaitAsync(CancellationToken.None).AsTask();
        _time.Advance(TimeSpan.FromSeconds(2));
        await waiting.WaitAsync(Deadline);
    }

    [Fact]
    public void A_burst_429_without_retry_after_waits_about_a_second()
    {
        using var gate = Gate();
        gate.Observe(Response(HttpStatusCode.TooManyRequests, remaining: 3));

        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(1), gate.PausedUntil);
    }

    [Fact]
    public void Low_remaining_spreads_the_rest_of_the_window()
    {
        using var gate = Gate(burst: 5);
        gate.Observe(Response(HttpStatusCode.OK, remaining: 2, resetIn: TimeSpan.FromSeconds(30)));

        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(10), gate.PausedUntil);
    }

    [Fact]
    public void Plenty_remaining_does_not_pause()
    {
        using var gate = Gate(burst: 5);
        gate.Observe(Response(HttpStatusCode.OK, remaining: 80, resetIn: TimeSpan.FromSeconds(30)));

        Assert.True(gate.PausedUntil <= _time.GetUtcNow());
    }

    [Fact]
    public void A_reset_far_ahead_is_capped()
    {
        using var gate = new FrontRateGate(Options.Create(new FrontApiOptions { MaxRateLimitPause = TimeSpan.FromSeconds(90) }), _time);
        gate.Observe(Response(HttpStatusCode.OK, remaining: 0, resetIn: TimeSpan.FromDays(1)));

        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(90), gate.PausedUntil);
    }

    [Fact]
    public void A_shorter_pause_never_shortens_a_longer_one()
    {
        using var gate = Gate();
        gate.Observe(Response(HttpStatusCode.OK, remaining: 0, resetIn: TimeSpan.FromSeconds(40)));
        gate.Observe(Response(HttpStatusCode.TooManyRequests, remaining: 10, retryAfterSeconds: 1));

        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(40), gate.PausedUntil);
    }

    [Theory]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("NaN")]
    [InlineData("1e300")]
    [InlineData("-1e300")]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("9223372036854775807")]
    [InlineData("1e18")]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData("0x10")]
    public void An_unusable_reset_never_throws_and_pauses_at_most_the_capped_time(string reset)
    {
        using var gate = Gate();
        var now = _time.GetUtcNow();
        using var ok = new HttpResponseMessage(HttpStatusCode.OK);
        ok.Headers.TryAddWithoutValidation("x-ratelimit-remaining", "0");
        ok.Headers.TryAddWithoutValidation("x-ratelimit-reset", reset);
        using var throttled = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        throttled.Headers.TryAddWithoutValidation("x-ratelimit-remaining", "0");
        throttled.Headers.TryAddWithoutValidation("x-ratelimit-reset", reset);

        gate.Observe(ok);
        gate.Observe(throttled);

        // remaining 0 with no usable reset: the short default pause, never one from a nonsense value, never an exception.
        Assert.InRange(gate.PausedUntil, now, now + new FrontApiOptions().MaxRateLimitPause);
        Assert.Equal(1, gate.ThrottledResponses);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-1e300")]
    [InlineData("1e300")]
    [InlineData("nope")]
    public void An_unusable_remaining_never_throws(string remaining)
    {
        using var gate = Gate(burst: 5);
        var now = _time.GetUtcNow();
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.Headers.TryAddWithoutValidation("x-ratelimit-remaining", remaining);
        response.Headers.TryAddWithoutValidation("x-ratelimit-reset", (now + TimeSpan.FromSeconds(30)).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));

        gate.Observe(response);

        Assert.InRange(gate.PausedUntil, DateTimeOffset.MinValue, now + new FrontApiOptions().MaxRateLimitPause);
    }

    [Theory]
    [InlineData("2147483647")]
    [InlineData("99999999999999")]
    [InlineData("Fri, 31 Dec 9999 23:59:59 GMT")]
    [InlineData("-3")]
    [InlineData("later")]
    public void An_unusable_retry_after_never_throws_and_pauses_at_most_the_capped_time(string retryAfter)
    {
        using var gate = Gate();
        var now = _time.GetUtcNow();
        using var throttled = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        throttled.Headers.TryAddWithoutValidation("x-ratelimit-remaining", "4");
        throttled.Headers.TryAddWithoutValidation("Retry-After", retryAfter);

        gate.Observe(throttled);

        Assert.InRange(gate.PausedUntil, now, now + new FrontApiOptions().MaxRateLimitPause);
    }

    [Fact]
    public void A_reset_in_milliseconds_is_read_as_milliseconds()
    {
        using var gate = Gate();
        var reset = _time.GetUtcNow() + TimeSpan.FromSeconds(30);
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.Headers.Add("x-ratelimit-remaining", "0");
        response.Headers.Add("x-ratelimit-reset", reset.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));

        gate.Observe(response);

        Assert.Equal(reset, gate.PausedUntil);
    }

    [Fact]
    public void A_reset_with_a_fraction_of_a_second_is_read()
    {
        using var gate = Gate();
        var reset = _time.GetUtcNow() + TimeSpan.FromSeconds(20.5);
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.Headers.Add("x-ratelimit-remaining", "0");
        response.Headers.Add("x-ratelimit-reset", (reset.ToUnixTimeMilliseconds() / 1000.0).ToString("F3", System.Globalization.CultureInfo.InvariantCulture));

        gate.Observe(response);

        Assert.Equal(reset, gate.PausedUntil);
    }

    [Fact]
    public async Task Pacing_spreads_a_backlog_at_the_configured_rate()
    {
        // Real time here: the token bucket refills on its own timer. 600/min = one every 100 ms, bucket of 1 (burst 11 - 10/s).
        using var gate = new FrontRateGate(Options.Create(new FrontApiOptions { RequestsPerMinute = 600, BurstPerSecond = 11 }), TimeProvider.System);
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 6; i++)
        {
            await gate.WaitAsync(CancellationToken.None);
        }

        // 1 from the bucket, 5 refills at 100 ms each: at least ~0.5 s, and not much more than the rate allows.
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
        Assert.Equal(6, gate.RequestsPassed);
    }
}
