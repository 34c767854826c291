namespace FrontFunctions.TestSupport;

/// <summary>Polls a probe until it yields a value or the deadline passes (instead of sleeping a guessed time).</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>The first non-null value of <paramref name="probe"/>; <see cref="TimeoutException"/> naming <paramref name="what"/> at the deadline.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null, TimeSpan? interval = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting for " + what);
            }

            await Task.Delay(interval ?? DefaultInterval);
        }
    }

    /// <summary>Returns once <paramref name="condition"/> holds; <see cref="TimeoutException"/> naming <paramref name="what"/> at the deadline.</summary>
    public static Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        UntilAsync(async () => await condition() ? what : null, what, timeout, interval);
}
