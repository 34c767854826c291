using FrontFunctions.Caching;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Unit.Caching;

/// <summary><see cref="BoundedMemory{TKey, TValue}"/>: the capacity bound, the time-to-live on fake time, concurrent use.</summary>
public sealed class BoundedMemoryTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Never_holds_more_than_its_capacity()
    {
        using var memory = new BoundedMemory<int, string>(_time, 100, TimeSpan.FromHours(1));
        for (var i = 0; i < 1_000; i++)
        {
            memory.Set(i, $"v{i}");
            Assert.True(memory.Count <= 100, $"{memory.Count} entries after {i + 1} writes");
        }

        var held = Enumerable.Range(0, 1_000).Count(i => memory.TryGet(i, out _));
        Assert.InRange(held, 1, 100);
    }

    [Fact]
    public void A_write_when_full_never_leaves_the_older_value_answering()
    {
        using var memory = new BoundedMemory<int, int>(_time, 10, TimeSpan.FromHours(1));
        for (var i = 0; i < 10; i++)
        {
            memory.Set(i, 0);
        }

        for (var i = 0; i < 10; i++)
        {
            memory.Set(i, 1);
            Assert.False(memory.TryGet(i, out var value) && value == 0, $"key {i} still answers its older value");
        }
    }

    [Fact]
    public void An_entry_is_forgotten_its_time_to_live_after_it_was_written()
    {
        using var memory = new BoundedMemory<string, int>(_time, 10, TimeSpan.FromSeconds(10));
        memory.Set("a", 1);

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(memory.TryGet("a", out var value));
        Assert.Equal(1, value);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(memory.TryGet("a", out _));

        memory.Set("a", 2); // a new write starts a new time-to-live
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(memory.TryGet("a", out value));
        Assert.Equal(2, value);
    }

    [Fact]
    public void Default_values_are_held_and_removal_can_be_conditional()
    {
        using var memory = new BoundedMemory<string, string?>(_time, 10, TimeSpan.FromMinutes(1));
        memory.Set("null", null);
        Assert.True(memory.TryGet("null", out var held));
        Assert.Null(held);

        memory.Set("k", "first");
        memory.Remove("k", "other");
        Assert.True(memory.TryGet("k", out _));
        memory.Remove("k", "first");
        Assert.False(memory.TryGet("k", out _));
    }

    [Fact]
    public async Task Concurrent_GetOrSet_callers_of_one_key_share_one_value()
    {
        using var memory = new BoundedMemory<string, object>(_time, 1_000, TimeSpan.FromMinutes(1));
        using var start = new ManualResetEventSlim();
        var keys = Enumerable.Range(0, 20).Select(k => $"k{k}").ToArray();
        var tasks = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.Wait();
            return keys.Select(key => memory.GetOrSet(key, new object(), held => true)).ToArray();
        })).ToArray();
        start.Set();
        var answers = await Task.WhenAll(tasks);

        for (var k = 0; k < keys.Length; k++)
        {
            Assert.Single(answers.Select(a => a[k]).Distinct());
        }
    }

    [Fact]
    public async Task Concurrent_writers_keep_the_bound_and_readers_see_only_written_values()
    {
        using var memory = new BoundedMemory<int, int>(_time, 500, TimeSpan.FromMinutes(1));
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                var key = (i * 4) + w;
                memory.Set(key, key * 2);
                if (memory.TryGet(key - 4, out var seen))
                {
                    Assert.Equal((key - 4) * 2, seen);
                }
            }
        })).ToArray();
        await Task.WhenAll(writers);

        Assert.True(memory.Count <= 500, $"{memory.Count} entries");
    }
}
