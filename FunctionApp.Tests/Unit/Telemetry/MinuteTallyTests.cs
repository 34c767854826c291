using FrontFunctions.Telemetry;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Unit.Telemetry;

/// <summary>The console's in-memory counts (<see cref="MinuteTally"/>) and the row keys they are written under.</summary>
public sealed class MinuteTallyTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 20, 59, 30, TimeSpan.Zero));

    [Fact]
    public void A_minute_is_taken_whole_each_time_it_changed_and_a_new_minute_starts_at_zero()
    {
        var tally = new MinuteTally(_time);
        tally.Count(MinuteSeries.Mapped);
        tally.Count(MinuteSeries.Mapped);
        tally.FrontCall("acme", throttled: false);
        tally.FrontCall("acme", throttled: true);
        var (first, _) = tally.Take();
        var row = Assert.Single(first);
        Assert.Equal(2, row.Series[(int)MinuteSeries.Mapped]);
        Assert.Equal((2L, 1L), row.Companies["acme"]);
        Assert.Empty(tally.Take().Minutes); // nothing new: nothing to write

        tally.Count(MinuteSeries.Mapped);
        Assert.Equal(3, Assert.Single(tally.Take().Minutes).Series[(int)MinuteSeries.Mapped]); // the minute so far, not a delta

        _time.Advance(TimeSpan.FromSeconds(31)); // 21:00:01: the next hour's first minute
        tally.Count(MinuteSeries.NotificationsIn);
        var next = Assert.Single(tally.Take().Minutes);
        Assert.Equal(row.Minute + 1, next.Minute);
        Assert.Equal(0, next.Series[(int)MinuteSeries.Mapped]);
        Assert.Equal("m|2026120621", ConsoleStatsRows.HourPartition(next.Minute));
        Assert.Equal("00|", ConsoleStatsRows.MinutePrefix(next.Minute));
        Assert.Equal(next.Minute, ConsoleStatsRows.MinuteOf("m|2026120621", "00|abc"));
        Assert.Equal(row.Minute, ConsoleStatsRows.MinuteOf(ConsoleStatsRows.HourPartition(row.Minute), ConsoleStatsRows.MinutePrefix(row.Minute) + "x"));
    }

    [Fact]
    public void Channel_deltas_are_taken_once_and_a_failed_write_gives_them_back()
    {
        var tally = new MinuteTally(_time);
        tally.MessageStored("cha_1");
        tally.MessageStored("cha_1");
        tally.MessageStored("cha_2");
        var (_, channels) = tally.Take();
        Assert.Equal(2, channels["cha_1"].Messages);
        Assert.Equal(1, channels["cha_2"].Messages);
        Assert.Empty(tally.Take().Channels);

        tally.MessageStored("cha_1");
        tally.Return("cha_1", channels["cha_1"]);
        Assert.Equal(3, tally.Take().Channels["cha_1"].Messages);
    }

    [Fact]
    public void Companies_beyond_the_cap_count_as_other()
    {
        var tally = new MinuteTally(_time);
        for (var i = 0; i < MinuteTally.MaxCompanies + 5; i++)
        {
            tally.FrontCall("company" + i, throttled: false);
        }

        var row = Assert.Single(tally.Take().Minutes);
        Assert.Equal(MinuteTally.MaxCompanies + 1, row.Companies.Count);
        Assert.Equal(5, row.Companies[MinuteTally.OtherCompany].Calls);
    }

    [Theory]
    [InlineData("https://acme.api.frontapp.com/channels/cha_1/messages", "acme")]
    [InlineData("https://Big-Co.api.frontapp.com/x", "big-co")]
    [InlineData("https://api2.frontapp.com/channels/cha_1", "unknown")]
    [InlineData("http://127.0.0.1:5000/channels/cha_1", "unknown")]
    [InlineData("https://a.b.api.frontapp.com/x", "unknown")]
    [InlineData("https://evil.example/acme.api.frontapp.com", "unknown")]
    public void The_company_is_read_from_fronts_company_host_only(string uri, string company) =>
        Assert.Equal(company, FrontCompanies.Of(new Uri(uri)));
}
