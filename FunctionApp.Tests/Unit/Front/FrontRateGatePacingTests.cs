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
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        using var gate = new FrontRateGate(Options.Create(new FrontApiOptions { RequestsPerMinute = 60_000, BurstPerSecond = 5 }), time);
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.Headers.Add("x-ratelimit-remaining", "2");
        response.Headers.Add("x-ratelimit-reset", (time.GetUtcNow() + TimeSpan.FromSeconds(30)).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        gate.Observe(response); // low remaining: a spreading pause of 30 s / 3, and a budget of 2

        var callers = Enumerable.Range(0, 3).Select(_ => gate.WaitAsync(CancellationToken.None).AsTask()).ToArray();
        time.Advance(TimeSpan.FromSeconds(10));
        // The bucket has saved up tokens during the pause; only the budget keeps the third caller back.
        var first = await Task.WhenAny(callers).WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        Assert.Equal(2, callers.Count(c => c.IsCompletedSuccessfully));

        time.Advance(TimeSpan.FromSeconds(20)); // the window resets
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, gate.RequestsPassed);
    }
}
