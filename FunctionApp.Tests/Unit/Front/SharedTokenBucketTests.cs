using CsCheck;
using FrontFunctions.Front;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Unit.Front;

/// <summary>The shared bucket's lease and refill arithmetic (no storage), on a fake clock.</summary>
public sealed class SharedTokenBucketTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_new_bucket_is_full_and_a_lease_takes_at_most_the_lease_size()
    {
        var time = new FakeTimeProvider(Start);
        var state = SharedTokenBucket.New(capacity: 3, time.GetUtcNow());

        var first = SharedTokenBucket.Lease(state, time.GetUtcNow(), perMinute: 100, capacity: 3, want: 2);
        var second = SharedTokenBucket.Lease(first.Next, time.GetUtcNow(), perMinute: 100, capacity: 3, want: 2);
        var third = SharedTokenBucket.Lease(second.Next, time.GetUtcNow(), perMinute: 100, capacity: 3, want: 2);

        Assert.Equal(2, first.Granted);
        Assert.Equal(1, second.Granted); // only one whole token left
        Assert.Equal(0, third.Granted);
        Assert.Equal(0, third.Next.Tokens, 9);
    }

    [Fact]
    public void Refill_is_computed_from_the_rows_time_and_an_empty_bucket_says_when_the_next_token_comes()
    {
        var time = new FakeTimeProvider(Start);
        var empty = new SharedBucketState(0, time.GetUtcNow());

        time.Advance(TimeSpan.FromMilliseconds(400)); // 60 rpm: 0.4 of a token
        var early = SharedTokenBucket.Lease(empty, time.GetUtcNow(), perMinute: 60, capacity: 5, want: 1);
        Assert.Equal(0, early.Granted);
        Assert.Equal(TimeSpan.FromMilliseconds(600), early.RetryAfter);

        time.Advance(early.RetryAfter);
        var onTime = SharedTokenBucket.Lease(early.Next, time.GetUtcNow(), perMinute: 60, capacity: 5, want: 1);
        Assert.Equal(1, onTime.Granted);
        Assert.Equal(time.GetUtcNow(), onTime.Next.RefilledAt);
    }

    [Fact]
    public void An_idle_bucket_fills_up_to_its_capacity_only()
    {
        var time = new FakeTimeProvider(Start);
        var empty = new SharedBucketState(0, time.GetUtcNow());

        time.Advance(TimeSpan.FromMinutes(10)); // 1,000 tokens' worth of refill at 100 rpm
        var lease = SharedTokenBucket.Lease(empty, time.GetUtcNow(), perMinute: 100, capacity: 3, want: 50);

        Assert.Equal(3, lease.Granted);
    }

    [Fact]
    public void A_clock_behind_the_rows_time_refills_nothing_and_never_moves_the_row_back()
    {
        var time = new FakeTimeProvider(Start);
        var row = new SharedBucketState(0.5, time.GetUtcNow() + TimeSpan.FromMilliseconds(300)); // another instance's clock is ahead

        var lease = SharedTokenBucket.Lease(row, time.GetUtcNow(), perMinute: 60, capacity: 5, want: 1);

        Assert.Equal(0, lease.Granted);
        Assert.Equal(row, lease.Next);
        Assert.Equal(TimeSpan.FromMilliseconds(800), lease.RetryAfter); // the skew plus half a token
    }

    [Theory]
    [InlineData(100, 5, 2, 0, 3)]  // Front's 100 rpm / burst 5: 5 - ceil(100/60) = 3
    [InlineData(200, 5, 2, 0, 2)]  // 5 - 4 = 1, but a bucket holds at least one lease
    [InlineData(100, 5, 2, 7, 7)]  // configured
    public void The_capacity_follows_the_burst_limit_unless_configured(int rpm, int burst, int leaseSize, int configured, int expected)
    {
        var capacity = SharedTokenBucket.EffectiveCapacity(
            new SharedBudgetOptions { LeaseSize = leaseSize, Capacity = configured },
            new FrontApiOptions { RequestsPerMinute = rpm, BurstPerSecond = burst });

        Assert.Equal(expected, capacity);
    }

    /// <summary>
    /// Whatever the lease times and sizes, the tokens granted between any two leases never exceed the capacity plus the
    /// refill over that span: the budget per window holds.
    /// </summary>
    [Fact]
    public void No_window_grants_more_than_capacity_plus_refill()
    {
        var gen =
            from rpm in Gen.Int[1, 600]
            from capacity in Gen.Int[1, 10]
            from steps in Gen.Select(Gen.Int[0, 3_000], Gen.Int[1, 10]).Array[1, 200]
            select (rpm, capacity, steps);

        gen.Sample(c =>
        {
            var time = new FakeTimeProvider(Start);
            var state = SharedTokenBucket.New(c.capacity, time.GetUtcNow());
            var grants = new List<(DateTimeOffset At, int Granted)>();
            foreach (var (advanceMs, want) in c.steps)
            {
                time.Advance(TimeSpan.FromMilliseconds(advanceMs));
                var lease = SharedTokenBucket.Lease(state, time.GetUtcNow(), c.rpm, c.capacity, want);
                if (lease.Granted > want || lease.Granted < 0 || lease.Next.Tokens < 0 || lease.Next.Tokens > c.capacity)
                {
                    return false;
                }

                state = lease.Next;
                grants.Add((time.GetUtcNow(), lease.Granted));
            }

            for (var i = 0; i < grants.Count; i++)
            {
                var total = 0;
                for (var j = i; j < grants.Count; j++)
                {
                    total += grants[j].Granted;
                    var allowed = c.capacity + ((grants[j].At - grants[i].At).TotalMinutes * c.rpm);
                    if (total > allowed + 1e-6)
                    {
                        return false;
                    }
                }
            }

            return true;
        }, iter: 300);
    }

    /// <summary>Refilled at the limit minus the capacity, no 60-second window grants more than Front's limit.</summary>
    [Fact]
    public void No_minute_grants_more_than_the_company_limit()
    {
        var gen =
            from limit in Gen.Int[10, 300]
            from capacity in Gen.Int[1, 9]
            from steps in Gen.Select(Gen.Int[0, 2_000], Gen.Int[1, 10]).Array[1, 300]
            select (limit, capacity, steps);

        gen.Sample(c =>
        {
            var rate = SharedTokenBucket.RefillPerMinute(c.limit, c.capacity);
            var time = new FakeTimeProvider(Start);
            var state = SharedTokenBucket.New(c.capacity, time.GetUtcNow());
            var grants = new List<(DateTimeOffset At, int Granted)>();
            foreach (var (advanceMs, want) in c.steps)
            {
                time.Advance(TimeSpan.FromMilliseconds(advanceMs));
                var lease = SharedTokenBucket.Lease(state, time.GetUtcNow(), rate, c.capacity, want);
                state = lease.Next;
                grants.Add((time.GetUtcNow(), lease.Granted));
            }

            for (var i = 0; i < grants.Count; i++)
            {
                var inMinute = grants.Skip(i).TakeWhile(g => g.At - grants[i].At < TimeSpan.FromMinutes(1)).Sum(g => g.Granted);
                if (inMinute > c.limit)
                {
                    return false;
                }
            }

            return true;
        }, iter: 300);
    }

    [Theory]
    [InlineData("Front:SharedBudget:LeaseSize", "0", "Front__SharedBudget__LeaseSize")]
    [InlineData("Front:SharedBudget:LeaseSize", "51", "Front__SharedBudget__LeaseSize")]
    [InlineData("Front:SharedBudget:LeaseTimeout", "00:01:00", "Front__SharedBudget__LeaseTimeout")]
    [InlineData("Front:SharedBudget:FallbackPeriod", "00:00:00", "Front__SharedBudget__FallbackPeriod")]
    [InlineData("Front:SharedBudget:TokenLifetime", "00:05:00", "Front__SharedBudget__TokenLifetime")]
    [InlineData("Front:SharedBudget:BudgetKey", "acme/app", "Front__SharedBudget__BudgetKey")]
    [InlineData("Front:SharedBudget:Capacity", "-1", "Front__SharedBudget__Capacity")]
    public async Task Bad_settings_stop_the_app_at_start_naming_the_setting(string key, string value, string named)
    {
        await using var host = FrontTestHost.Create(withStorage: false, settings: new Dictionary<string, string?>
        {
            ["Front:SharedBudget:Enabled"] = "true",
            [key] = value,
        });

        var e = Assert.Throws<OptionsValidationException>(() => host.Get<IOptions<SharedBudgetOptions>>().Value);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_shared_budget_is_off_by_default_and_the_gate_then_never_asks_storage()
    {
        await using var host = FrontTestHost.Create(withStorage: false);

        Assert.False(host.Get<IOptions<SharedBudgetOptions>>().Value.Enabled);
        Assert.False(host.Get<FrontRateGate>().SharedBudgetActive);
    }
}
