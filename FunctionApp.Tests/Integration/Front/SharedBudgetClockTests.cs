using System.Collections.Concurrent;
using Azure.Data.Tables;
using FrontFunctions.Front;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Tests.Integration.Front;

/// <summary>
/// Issue 22, point 2: instances whose clocks disagree share one bucket row in Azurite. Each instance is a budget and a
/// gate of its own with its own <see cref="TimeProvider"/>, as separate Functions instances are.
/// </summary>
public sealed class SharedBudgetClockTests
{
    private const int PerMinute = 1200; // 20 a second: ~200 calls in 10 s, so a fair share is 25 % ± 3 %

    /// <summary>A clock <paramref name="offset"/> away from the machine's; timers run on real time.</summary>
    private sealed class SkewedTime(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }

    private static (FrontRateGate Gate, SharedFrontBudget Budget) Instance(TableServiceClient tables, string key, TimeProvider time)
    {
        var api = Options.Create(new FrontApiOptions { RequestsPerMinute = PerMinute, BurstPerSecond = 1000 });
        var shared = Options.Create(new SharedBudgetOptions
        {
            Enabled = true,
            BudgetKey = key,
            LeaseSize = 1,
            Capacity = 4,
            LeaseTimeout = TimeSpan.FromSeconds(10),
            TokenLifetime = TimeSpan.FromMilliseconds(300),
        });
        var budget = new SharedFrontBudget(tables, shared, api, time, NullLogger<SharedFrontBudget>.Instance);
        return (new FrontRateGate(api, time, budget), budget);
    }

    /// <summary>
    /// One instance's clock is 2 hours ahead: the row's refill time it writes must not stop the other three. Before issue
    /// 22 it wrote a RefilledAt two hours ahead, the others refilled nothing and slept RetryAfter (2 hours): shares 0 %.
    /// </summary>
    [Fact]
    public async Task An_instance_two_hours_ahead_leaves_every_other_instance_its_share()
    {
        var tables = TestStorage.Tables();
        await tables.GetTableClient(StorageNames.BudgetTable).CreateIfNotExistsAsync();
        var key = "skew-" + Guid.NewGuid().ToString("N")[..12];
        var instances = new[] { TimeSpan.FromHours(2), TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero }
            .Select(offset => Instance(tables, key, new SkewedTime(offset)))
            .ToList();
        try
        {
            var passed = new ConcurrentDictionary<int, int>();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var callers = instances.SelectMany((instance, i) => Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        await instance.Gate.WaitAsync(stop.Token);
                        passed.AddOrUpdate(i, 1, (_, n) => n + 1);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            }))).ToList();

            // Every caller must come back soon after the stop: no wait is longer than it may be, and every wait is cancellable.
            await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(30));

            var total = passed.Values.Sum();
            var shares = Enumerable.Range(0, 4).Select(i => passed.GetValueOrDefault(i) / (double)Math.Max(1, total)).ToList();
            var described = string.Join(", ", shares.Select(s => $"{s:P0}")) + $" of {total}";
            Assert.True(total >= 10 * PerMinute / 60.0 * 0.4, $"too few calls in 10 s: {described}");
            Assert.All(shares.Skip(1), share => Assert.True(share >= 0.15, $"an instance with a good clock got less than 15 %: {described}"));
        }
        finally
        {
            foreach (var (gate, _) in instances)
            {
                gate.Dispose();
            }
        }
    }
}
