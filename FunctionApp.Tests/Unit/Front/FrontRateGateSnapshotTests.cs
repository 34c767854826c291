using System.Net;
using FrontFunctions.Front;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Unit.Front;

/// <summary>The read-only view of the gate the operator console shows: requests in the last minute, the last 429.</summary>
public sealed class FrontRateGateSnapshotTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, 500, TimeSpan.Zero));

    private FrontRateGate Gate() => new(Options.Create(new FrontApiOptions { RequestsPerMinute = 60_000, BurstPerSecond = 1_000 }), _time);

    [Fact]
    public async Task Requests_count_for_sixty_seconds_then_leave_the_minute()
    {
        using var gate = Gate();
        var empty = gate.Snapshot();
        Assert.Equal(0, empty.RequestsLastMinute);
        Assert.Equal(60_000, empty.LimitPerMinute);
        Assert.Null(empty.LastThrottledAt);
        Assert.Null(empty.PausedUntil);

        for (var i = 0; i < 3; i++)
        {
            await gate.WaitAsync(CancellationToken.None);
        }

        _time.Advance(TimeSpan.FromSeconds(30));
        await gate.WaitAsync(CancellationToken.None);
        Assert.Equal(4, gate.Snapshot().RequestsLastMinute);
        Assert.Equal(4, gate.Snapshot().RequestsPassed);

        _time.Advance(TimeSpan.FromSeconds(30)); // the first three are now 60 s old
        Assert.Equal(1, gate.Snapshot().RequestsLastMinute);

        _time.Advance(TimeSpan.FromMinutes(5)); // a ring slot reused minutes later does not count old requests
        Assert.Equal(0, gate.Snapshot().RequestsLastMinute);
        await gate.WaitAsync(CancellationToken.None);
        Assert.Equal(1, gate.Snapshot().RequestsLastMinute);
        Assert.Equal(5, gate.Snapshot().RequestsPassed);
    }

    [Fact]
    public void A_429_is_remembered_with_its_time_and_the_pause_it_caused()
    {
        using var gate = Gate();
        var at = _time.GetUtcNow();
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.Add("Retry-After", "20");
        gate.Observe(response);

        var snapshot = gate.Snapshot();
        Assert.Equal(at, snapshot.LastThrottledAt);
        Assert.Equal(1, snapshot.ThrottledResponses);
        Assert.Equal(at.AddSeconds(20), snapshot.PausedUntil);

        _time.Advance(TimeSpan.FromSeconds(21));
        Assert.Null(gate.Snapshot().PausedUntil);
        Assert.Equal(at, gate.Snapshot().LastThrottledAt);
    }
}
