using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using FrontSimulator.Tests.Infrastructure;
using static FrontSimulator.Tests.Infrastructure.SimHarness;

namespace FrontSimulator.Tests.Integration;

/// <summary>Front's company budget per minute and per-channel burst limit, with their headers.</summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private SimHarness _h = null!;

    public async Task InitializeAsync() => _h = await StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static long Header(HttpResponseMessage r, string name) =>
        long.Parse(r.Headers.GetValues(name).Single(), CultureInfo.InvariantCulture);

    [Fact]
    public async Task Every_api_answer_carries_the_rate_limit_headers_and_remaining_counts_down()
    {
        await _h.Control.SetRateLimitAsync(requestsPerMinute: 100, burstPerSecond: 50);

        using var first = await _h.GetAsync("/messages/msg_missing", Token(ChannelA));
        using var second = await _h.PostAsync($"/channels/{ChannelA}/inbound_messages", Inbound("e", "c"), Token(ChannelA));
        using var unauthorized = await _h.GetAsync("/messages/msg_missing", "bad");

        Assert.Equal(HttpStatusCode.NotFound, first.StatusCode);
        Assert.Equal(100, Header(first, "x-ratelimit-limit"));
        Assert.Equal(99, Header(first, "x-ratelimit-remaining"));
        Assert.Equal(98, Header(second, "x-ratelimit-remaining"));
        Assert.Equal(98, Header(unauthorized, "x-ratelimit-remaining"));
        var reset = Header(first, "x-ratelimit-reset");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(reset, now, now + 61);
        Assert.False(first.Headers.Contains("retry-after"));
    }

    [Fact]
    public async Task The_burst_limit_answers_429_with_remaining_above_zero_and_retry_after()
    {
        await _h.Control.SetRateLimitAsync(requestsPerMinute: 100, burstPerSecond: 5);

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => _h.GetAsync("/messages/msg_missing", Token(ChannelA))));
        using var otherChannel = await _h.GetAsync("/messages/msg_missing", Token(ChannelB));

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(limited.Count, 1, 7); // at most 5 pass within one second; the rest (unless a second elapsed) are refused
        foreach (var r in limited)
        {
            Assert.True(Header(r, "x-ratelimit-remaining") > 0);
            Assert.InRange(Header(r, "retry-after"), 1, 1);
        }

        Assert.Equal(HttpStatusCode.NotFound, otherChannel.StatusCode); // the burst limit is per channel
        Assert.Equal(limited.Count, (await _h.Control.GetCountersAsync()).RateLimited.Burst);
        foreach (var r in responses)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task The_company_budget_answers_429_with_remaining_zero_across_channels()
    {
        await _h.Control.SetRateLimitAsync(requestsPerMinute: 6, burstPerSecond: 100);

        for (var i = 0; i < 3; i++)
        {
            using var a = await _h.GetAsync("/messages/msg_missing", Token(ChannelA));
            using var b = await _h.GetAsync("/messages/msg_missing", Token(ChannelB));
            Assert.Equal(HttpStatusCode.NotFound, a.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, b.StatusCode);
        }

        using var refused = await _h.GetAsync("/messages/msg_missing", Token(ChannelB));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(0, Header(refused, "x-ratelimit-remaining"));
        Assert.InRange(Header(refused, "retry-after"), 1, 60);
        Assert.Equal(6, Header(refused, "x-ratelimit-limit"));
        var counters = await _h.Control.GetCountersAsync();
        Assert.Equal(1, counters.RateLimited.Company);
        Assert.Equal(1, counters.Requests["GET /messages/{message_id}"]["429"]);
    }

    [Fact]
    public async Task The_control_api_is_exempt_from_limits_and_counters()
    {
        await _h.Control.SetRateLimitAsync(requestsPerMinute: 1, burstPerSecond: 1);
        using var used = await _h.GetAsync("/messages/msg_missing", Token(ChannelA));

        for (var i = 0; i < 10; i++)
        {
            await _h.Control.GetChannelAsync(ChannelA);
        }

        var counters = await _h.Control.GetCountersAsync();
        Assert.Single(counters.Requests);
        Assert.Equal(0, counters.RateLimited.Total);
    }
}
