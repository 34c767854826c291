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
        await first.WaitAsync(Deadline);
        await second.WaitAsync(Deadline);
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
