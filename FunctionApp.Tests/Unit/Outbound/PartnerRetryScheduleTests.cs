using FrontFunctions.Outbound;

namespace FrontFunctions.Tests.Unit.Outbound;

/// <summary>The re-queue delays: 1 min doubling to 30 min, ±20 % jitter, never past the retry window; none once it is over.</summary>
public sealed class PartnerRetryScheduleTests
{
    private static readonly DateTimeOffset First = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly PartnerOptions Defaults = new();

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(4, 16)]
    [InlineData(5, 30)]
    [InlineData(40, 30)]
    public void The_delay_doubles_from_the_first_up_to_the_cap_within_20_percent(int requeues, double minutes)
    {
        var now = First.AddMinutes(1);
        var low = PartnerRetrySchedule.NextDelay(Defaults, First, requeues, now, 0)!.Value;
        var high = PartnerRetrySchedule.NextDelay(Defaults, First, requeues, now, 1)!.Value;
        var middle = PartnerRetrySchedule.NextDelay(Defaults, First, requeues, now, 0.5)!.Value;

        Assert.Equal(minutes * 0.8, low.TotalMinutes, 6);
        Assert.Equal(minutes * 1.2, high.TotalMinutes, 6);
        Assert.Equal(minutes, middle.TotalMinutes, 6);
    }

    [Fact]
    public void The_last_attempt_is_at_the_end_of_the_window_and_a_failure_after_it_gives_up()
    {
        var almostOver = First + Defaults.RetryWindow - TimeSpan.FromMinutes(3);
        Assert.Equal(TimeSpan.FromMinutes(3), PartnerRetrySchedule.NextDelay(Defaults, First, 10, almostOver, 0.5));
        Assert.Null(PartnerRetrySchedule.NextDelay(Defaults, First, 11, First + Defaults.RetryWindow, 0.5));
        Assert.Null(PartnerRetrySchedule.NextDelay(new PartnerOptions { RetryWindow = TimeSpan.Zero }, First, 0, First, 0.5));
    }

    [Fact]
    public void The_default_schedule_makes_about_55_attempts_in_24_hours()
    {
        var now = First;
        var attempts = 1;
        while (PartnerRetrySchedule.NextDelay(Defaults, First, attempts - 1, now, 0.5) is { } delay)
        {
            now += delay;
            attempts++;
        }

        Assert.InRange(attempts, 50, 60);
        Assert.Equal(First + Defaults.RetryWindow, now);
    }
}
