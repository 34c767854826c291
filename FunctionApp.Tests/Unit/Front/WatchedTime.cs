using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Unit.Front;

/// <summary>
/// A <see cref="FakeTimeProvider"/> whose timers are counted: <see cref="Pending"/> are set and have neither fired nor been
/// disposed (<c>Task.Delay(…, TimeProvider)</c> makes one per wait). The fake clock fires due timers inside
/// <see cref="FakeTimeProvider.Advance"/>, so right after it a caller counted as pending cannot move until the clock moves
/// again, and one whose timer fired is on its way. Counting timers rather than what the code waits for also counts a caller
/// that read the clock, was descheduled while the test moved it, and then set its timer late.
/// </summary>
internal sealed class WatchedTime(FakeTimeProvider fake) : TimeProvider
{
    private int _pending;
    private int _fired;

    /// <summary>Timers set that have not fired and were not disposed.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Timers that have fired (each counted once).</summary>
    public int Fired => Volatile.Read(ref _fired);

    public FakeTimeProvider Fake => fake;

    public void Advance(TimeSpan delta) => fake.Advance(delta);

    public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();

    public override long GetTimestamp() => fake.GetTimestamp();

    public override long TimestampFrequency => fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Watched(this);
        timer.Inner = fake.CreateTimer(s =>
        {
            timer.Settle(fired: true);
            callback(s);
        }, state, dueTime, period);
        return timer;
    }

    private sealed class Watched : ITimer
    {
        private readonly WatchedTime _owner;
        private int _open = 1;

        public Watched(WatchedTime owner)
        {
            _owner = owner;
            Interlocked.Increment(ref owner._pending);
        }

        public ITimer? Inner { get; set; }

        public void Settle(bool fired)
        {
            if (Interlocked.Exchange(ref _open, 0) == 1)
            {
                Interlocked.Decrement(ref _owner._pending);
                if (fired)
                {
                    Interlocked.Increment(ref _owner._fired);
                }
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => Inner!.Change(dueTime, period);

        public void Dispose()
        {
            Settle(fired: false);
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
