using FrontFunctions.Front;
using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Unit.Front;

/// <summary>The gate's token bucket keeps refilling at every allowed rate (real time: the bucket runs on its own timer).</summary>
public sealed class FrontRateGatePacingTests
{
    [Theory]
    [InlineData(60_000, 1_000)]
    [InlineData(60_001, 1_000)]
    [InlineData(100_000, 1_000)]
    public async Task A_high_rate_keeps_letting_calls_through(int rpm, int burst)
    {
        using var gate = new FrontRateGate(
            Options.Create(new FrontApiOptions { RequestsPerMinute = rpm, BurstPerSecond = burst }), TimeProvider.System);

        // 300 calls at ≥ 1,000 per second take well under a second; a bucket that stopped refilling never finishes.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 300; i++)
        {
            await gate.WaitAsync(timeout.Token);
        }

        Assert.Equal(300, gate.RequestsPassed);
    }

    [Fact]
    public async Task No_more_callers_leave_than_Front_says_remain_in_the_window()
    {
        var time = new WatchedTime(new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero)));
        using var gate = new FrontRateGate(Options.Create(new FrontApiOptions { RequestsPerMinute = 60_000, BurstPerSecond = 5 }), time);
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.Headers.Add("x-ratelimit-remaining", "2");
        response.Headers.Add("x-ratelimit-reset", (time.GetUtcNow() + TimeSpan.FromSeconds(30)).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        gate.Observe(response); // low remaining: a spreading pause of 30 s / 3, and a budget of 2

        var callers = Enumerable.Range(0, 3).Select(_ => gate.WaitAsync(CancellationToken.None).AsTask()).ToArray();
        time.Advance(TimeSpan.FromSeconds(10));
        // The bucket has saved up tokens during the pause; only the budget keeps the third caller back (the release after the
        // pause lets one leave per 1/BurstPerSecond = 200 ms).
        var first = await Task.WhenAny(callers).WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromMilliseconds(200));
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, await Settled(gate, time, callers));

        time.Advance(TimeSpan.FromSeconds(20)); // the window resets
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, gate.RequestsPassed);
    }
    /// <summary>
    /// Callers held by a pause must not leave together when it ends: before the fix every one of them (and every caller the
    /// bucket had handed a token during the pause) left at the same instant (measured: 8 of 10 within 2 ms after a burst
    /// 429), which draws the same 429 again. After a pause they leave at the burst rate, one per 1/BurstPerSecond.
    /// The bucket is large here (60,000 rpm) so that only the release after the pause is under test, on the fake clock.
    /// </summary>
    [Theory]
    [InlineData(5, 10, 1)]    // Front's burst limit, a burst 429 without retry-after
    [InlineData(5, 10, 5)]
    [InlineData(20, 40, 30)]  // a long pause
    public async Task After_a_pause_held_callers_leave_at_the_burst_rate_not_all_at_once(int burst, int callers, int pauseSeconds)
    {
        var time = new WatchedTime(new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero)));
        using var gate = new FrontRateGate(Options.Create(new FrontApiOptions { RequestsPerMinute = 60_000, BurstPerSecond = burst }), time);
        var spacing = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / burst);
        using (var throttled = new HttpResponseMessage(HttpStatusCode.TooManyRequests))
        {
            throttled.Headers.Add("x-ratelimit-remaining", "40"); // a burst 429: the minute has room, the second does not
            throttled.Headers.Add("Retry-After", pauseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            gate.Observe(throttled);
        }

        var waiting = Enumerable.Range(0, callers).Select(_ => gate.WaitAsync(CancellationToken.None).AsTask()).ToArray();
        Assert.Equal(0, await Settled(gate, time, waiting));

        time.Advance(TimeSpan.FromSeconds(pauseSeconds) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, await Settled(gate, time, waiting));
        time.Advance(TimeSpan.FromMilliseconds(1)); // the pause ends
        var done = await Settled(gate, time, waiting);
        Assert.Equal(1, done);

        // Then one per 1/BurstPerSecond, never more, until everyone has left.
        while (done < callers)
        {
            time.Advance(spacing - TimeSpan.FromTicks(1));
            Assert.Equal(done, await Settled(gate, time, waiting));
            time.Advance(TimeSpan.FromTicks(1));
            var now = await Settled(gate, time, waiting);
            Assert.Equal(done + 1, now);
            done = now;
        }

        Assert.Equal(callers, gate.RequestsPassed);

        // The schedule has caught up: a caller arriving later leaves at once again.
        time.Advance(spacing);
        await gate.WaitAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// Waits (deadline 10 s) until every caller has either left the gate or waits on a timer of the fake clock that has not
    /// fired (a pause, a release slot): nothing is in flight, so the count cannot change until the clock moves. Returns how
    /// many left. Counting the clock's timers (<see cref="WatchedTime"/>), not the pauses and slots still ahead: a caller
    /// descheduled between reading the clock and setting its timer, while the test moved the clock, waits on a timer set
    /// late, and counted by its slot it was counted nowhere (the failure "2 left, 0 held by the pause, 0 by release slots",
    /// seen once in a CI run under load).
    /// </summary>
    private static async Task<int> Settled(FrontRateGate gate, WatchedTime time, Task[] callers)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var left = callers.Count(t => t.IsCompleted);
            if (left + time.Pending == callers.Length)
            {
                return left;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the gate did not settle: {left} left, {time.Pending} on the clock's timers ({gate.HeldByPause} held by the pause, {gate.HeldByRelease} by release slots)");
            await Task.Yield();
        }
    }
}
