using System.Diagnostics;
using System.Net;
using FrontSimulator.Control;
using FrontSimulator.Tests.Infrastructure;
using static FrontSimulator.Tests.Infrastructure.SimHarness;

namespace FrontSimulator.Tests.Integration;

/// <summary>Injected 5xx, dropped connections, 429 bursts and latency.</summary>
public sealed class FaultInjectionTests : IAsyncLifetime
{
    private SimHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync(configure: o => o.RandomSeed = 1234);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task An_error_rate_of_30_percent_fails_about_30_percent_of_400_requests_with_500_502_or_503()
    {
        await _h.Control.SetFaultsAsync(new FaultSettings { ErrorRate = 0.3 });
        var token = Token(ChannelA);

        var statuses = new List<int>();
        for (var i = 0; i < 400; i++)
        {
            using var r = await _h.GetAsync("/messages/msg_missing", token);
            statuses.Add((int)r.StatusCode);
        }

        var errors = statuses.Count(s => s >= 500);
        Assert.InRange(errors / 400.0, 0.22, 0.38);
        Assert.All(statuses, s => Assert.Contains(s, new[] { 404, 500, 502, 503 }));
        Assert.True(statuses.Distinct().Count() >= 3, "several distinct 5xx codes expected");
        Assert.Equal(errors, (await _h.Control.GetCountersAsync()).Faults.ErrorsInjected);
    }

    [Fact]
    public async Task A_drop_rate_aborts_connections_without_an_answer()
    {
        await _h.Control.SetFaultsAsync(new FaultSettings { DropRate = 0.5 });
        var token = Token(ChannelA);

        var dropped = 0;
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var r = await _h.GetAsync("/messages/msg_missing", token);
                Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
            }
            catch (HttpRequestException)
            {
                dropped++;
            }
        }

        Assert.InRange(dropped, 35, 65);
        Assert.Equal(dropped, (await _h.Control.GetCountersAsync()).Faults.ConnectionsDropped);
    }

    [Fact]
    public async Task Burst_429_refuses_exactly_the_next_n_requests()
    {
        await _h.Control.SetFaultsAsync(new FaultSettings { Burst429 = 3 });
        var token = Token(ChannelA);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var r = await _h.GetAsync("/messages/msg_missing", token);
            statuses.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("1", r.Headers.GetValues("retry-after").Single());
                Assert.NotEqual("0", r.Headers.GetValues("x-ratelimit-remaining").Single());
            }
        }

        Assert.Equal(
            [HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.NotFound, HttpStatusCode.NotFound],
            statuses);
        Assert.Equal(3, (await _h.Control.GetCountersAsync()).RateLimited.Injected);
    }

    [Fact]
    public async Task Latency_delays_every_answer()
    {
        await _h.Control.SetFaultsAsync(new FaultSettings { LatencyMs = 300 });

        var watch = Stopwatch.StartNew();
        using var r = await _h.GetAsync("/messages/msg_missing", Token(ChannelA));

        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.True(watch.ElapsedMilliseconds >= 290, $"answered after {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_spike_rate_adds_the_spike_to_that_share_of_requests()
    {
        await _h.Control.SetFaultsAsync(new FaultSettings { SpikeRate = 1, SpikeMs = 300 });
        var watch = Stopwatch.StartNew();
        using (var r = await _h.GetAsync("/messages/msg_missing", Token(ChannelA)))
        {
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        }

        Assert.True(watch.ElapsedMilliseconds >= 290, $"answered after {watch.ElapsedMilliseconds} ms");

        await _h.Control.SetFaultsAsync(new FaultSettings { SpikeRate = 0 });
        Assert.Equal(0, (await _h.Control.GetSettingsAsync()).Faults.SpikeRate);
        Assert.Equal(300, (await _h.Control.GetSettingsAsync()).Faults.SpikeMs);
    }

    [Fact]
    public async Task A_spike_rate_outside_0_to_1_is_refused()
    {
        await Assert.ThrowsAsync<HttpRequestException>(() => _h.Control.SetFaultsAsync(new FaultSettings { SpikeRate = 1.5 }));
    }

    [Fact]
    public async Task Reset_clears_faults_and_state()
    {
        await _h.Control.SetFaultsAsync(new FaultSettings { ErrorRate = 1 });
        await _h.Control.ResetAsync();
        await _h.Control.CreateChannelAsync(ChannelA, AppUid, SecretA, null);

        using var r = await _h.GetAsync("/messages/msg_missing", Token(ChannelA));

        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        var settings = await _h.Control.GetSettingsAsync();
        Assert.Equal(0, settings.Faults.ErrorRate);
        await Assert.ThrowsAsync<HttpRequestException>(() => _h.Control.GetChannelAsync(ChannelB));
    }
}
