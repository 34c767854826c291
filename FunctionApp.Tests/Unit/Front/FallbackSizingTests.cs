using CsCheck;
using FrontFunctions.Front;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Unit.Front;

/// <summary>
/// Issue 22, point 2: while storage is unreachable every instance paces on its own. Flex applies maximumInstanceCount per
/// scale group and Front is called from several groups plus the always-ready instances: the fallback must hold the company
/// limit with all of them falling back at once.
/// </summary>
public sealed class FallbackSizingTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Every instance of every group at its share: together within the company limit.</summary>
    [Fact]
    public void Every_instance_of_every_group_together_stays_within_the_company_limit()
    {
        var gen =
            from limit in Gen.OneOf(Gen.Int[1, 100_000], Gen.Const(50))
            from maxPerGroup in Gen.Int[1, 1_000]
            from alwaysReady in Gen.Int[0, 1_000]
            select (limit, maxPerGroup, alwaysReady);

        gen.Sample(c =>
        {
            var options = new SharedBudgetOptions { MaximumInstanceCount = c.maxPerGroup, AlwaysReadyInstances = c.alwaysReady };
            var share = options.FallbackPerInstance(c.limit);
            var everyInstance = (SharedBudgetOptions.FrontCallingScaleGroups.Count * c.maxPerGroup) + c.alwaysReady;
            return share >= 0 && (long)share * everyInstance <= c.limit && share == c.limit / everyInstance;
        });
    }

    /// <summary>The template's old sizing (limit / maximumInstanceCount) allowed about 4× the limit with the same counts.</summary>
    [Fact]
    public void Dividing_by_one_groups_maximum_was_not_enough()
    {
        var options = new SharedBudgetOptions { MaximumInstanceCount = 10, AlwaysReadyInstances = 1 };
        Assert.Equal(41, options.InstancesCallingFront);
        Assert.Equal(2, options.FallbackPerInstance(100));
        Assert.True(100 / 10 * options.InstancesCallingFront > 100); // the old share, times every instance
    }

    /// <summary>A pacer at k a minute lets at most k calls into any 60-second window, whatever the callers do.</summary>
    [Fact]
    public void A_pacer_never_lets_more_than_its_share_into_a_minute()
    {
        var gen =
            from perMinute in Gen.Int[1, 120]
            from gaps in Gen.Int[0, 5_000].Array[1, 150]
            select (perMinute, gaps);

        gen.Sample(c =>
        {
            var time = new WatchedTime(new FakeTimeProvider(Start));
            var pacer = new FallbackPacer(c.perMinute, time);
            var passed = new List<DateTimeOffset>();
            foreach (var gap in c.gaps)
            {
                time.Advance(TimeSpan.FromMilliseconds(gap));
                var wait = pacer.WaitAsync(DateTimeOffset.MaxValue, CancellationToken.None).AsTask();
                while (!wait.IsCompleted)
                {
                    var fired = time.Fired;
                    time.Advance(TimeSpan.FromMilliseconds(50));
                    if (time.Fired != fired && !wait.Wait(TimeSpan.FromSeconds(10)))
                    {
                        return false; // its slot's timer fired, and the wait did not end
                    }
                }

                if (!wait.Result)
                {
                    return false;
                }

                passed.Add(time.GetUtcNow());
            }

            // Times are read after the fake clock's 50 ms steps, so each can be up to 50 ms late: a window 50 ms short of a minute.
            // The clock is not moved again while a wait whose timer fired is finishing (under load its continuation came late,
            // the clock went on in 50 ms steps and a time read 100 ms late failed the check: seed 0tJ9q_07F_Og, 2026-12-07).
            for (var i = 0; i < passed.Count; i++)
            {
                if (passed.Skip(i).TakeWhile(t => t - passed[i] < TimeSpan.FromMinutes(1) - TimeSpan.FromMilliseconds(50)).Count() > c.perMinute)
                {
                    return false;
                }
            }

            return true;
        }, iter: 40);
    }

    [Fact]
    public async Task A_share_of_zero_lets_nothing_through_and_returns_when_the_fallback_ends()
    {
        var time = new FakeTimeProvider(Start);
        var pacer = new FallbackPacer(0, time);
        var wait = pacer.WaitAsync(Start + TimeSpan.FromSeconds(15), CancellationToken.None).AsTask();
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(15));
        Assert.False(await wait);
    }
}
