using FrontFunctions.Front;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Unit.Front;

/// <summary>Issue 22, point 2: time from storage (the Date header), and a row from a clock ahead refused.</summary>
public sealed class StorageClockTests
{
    private static readonly DateTimeOffset Storage = new(2026, 12, 6, 12, 0, 0, 300, TimeSpan.Zero);

    [Fact]
    public void An_instance_two_hours_ahead_reads_storage_time_within_a_round_trip()
    {
        var local = new FakeTimeProvider(Storage + TimeSpan.FromHours(2));
        var clock = new StorageClock(local);
        Assert.False(clock.Calibrated);
        for (var i = 0; i < 5; i++)
        {
            var sent = local.GetUtcNow();
            local.Advance(TimeSpan.FromMilliseconds(20)); // the round trip
            var storageNow = Storage + TimeSpan.FromMilliseconds(137 * (i + 1)) + TimeSpan.FromMilliseconds(20 * (i + 1));
            var date = new DateTimeOffset(storageNow.Ticks - (storageNow.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero); // whole seconds
            clock.Observe(date, sent, local.GetUtcNow());
            local.Advance(TimeSpan.FromMilliseconds(137));
        }

        Assert.True(clock.Calibrated);
        var truth = Storage + TimeSpan.FromMilliseconds((137 + 20) * 5);
        Assert.InRange((clock.UtcNow - truth).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(600));
    }

    [Fact]
    public void A_clock_that_agrees_with_storage_is_used_as_it_is()
    {
        var local = new FakeTimeProvider(Storage);
        var clock = new StorageClock(local);
        var sent = local.GetUtcNow();
        local.Advance(TimeSpan.FromMilliseconds(30));
        clock.Observe(Storage.AddTicks(-(Storage.Ticks % TimeSpan.TicksPerSecond)), sent, local.GetUtcNow());
        Assert.True(clock.Calibrated);
        Assert.Equal(TimeSpan.Zero, clock.Offset); // not a midpoint guess hundreds of ms off
        Assert.Equal(local.GetUtcNow(), clock.UtcNow);
    }

    [Fact]
    public void A_stepped_clock_starts_the_estimate_again()
    {
        var local = new FakeTimeProvider(Storage);
        var clock = new StorageClock(local);
        clock.Observe(Storage.AddTicks(-(Storage.Ticks % TimeSpan.TicksPerSecond)), local.GetUtcNow(), local.GetUtcNow());
        local.SetUtcNow(Storage + TimeSpan.FromHours(3)); // the instance's clock jumps
        var storageNow = Storage.AddSeconds(1);
        clock.Observe(storageNow.AddTicks(-(storageNow.Ticks % TimeSpan.TicksPerSecond)), local.GetUtcNow(), local.GetUtcNow());
        Assert.InRange((clock.UtcNow - storageNow).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void A_refill_time_far_ahead_is_repaired_to_now_and_a_near_one_is_kept()
    {
        var far = new SharedBucketState(7, Storage + TimeSpan.FromHours(2));
        var repaired = SharedTokenBucket.Repair(far, Storage, capacity: 3, SharedFrontBudget.MaxRowAhead);
        Assert.Equal(new SharedBucketState(3, Storage), repaired);
        var lease = SharedTokenBucket.Lease(repaired, Storage, 100, 3, 2);
        Assert.Equal(2, lease.Granted);

        var near = new SharedBucketState(1, Storage + TimeSpan.FromSeconds(1));
        Assert.Equal(near, SharedTokenBucket.Repair(near, Storage, 3, SharedFrontBudget.MaxRowAhead));
    }
}
