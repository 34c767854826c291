using FrontFunctions.Front;
using Microsoft.Extensions.Options;

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
}
