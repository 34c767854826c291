namespace FrontFunctions.Front;

/// <summary>
/// Storage's time as this instance sees it: the offset between the instance's clock and the <c>Date</c> header of the table
/// service's answers (RFC 9110: the time the response was generated, whole seconds). One answer bounds the offset: the
/// service stamped it between the request leaving and the answer arriving, somewhere within its Date second, so
/// <c>Date − received ≤ offset &lt; Date + 1 s − sent</c>. The bounds of successive answers are intersected, which narrows the
/// offset to about one round trip; when they stop overlapping (a clock was stepped) the estimate starts again from the
/// latest answer. While the bounds hold zero the instance's clock agrees with storage as far as the header can tell and is
/// used as it is (instances with good clocks then agree to the millisecond, as the bucket's fairness needs: a midpoint
/// estimate a few hundred ms off made one instance's refills come early and win most leases); when they exclude zero the
/// clock is provably off and their midpoint corrects it. Every instance then reads the shared rows on about one clock,
/// whatever its own says.
/// </summary>
public sealed class StorageClock(TimeProvider local)
{
    private readonly object _lock = new();
    private long _lowTicks = long.MinValue; // offset ≥ this
    private long _highTicks = long.MaxValue; // offset < this

    /// <summary>Whether at least one answer carried a usable <c>Date</c>.</summary>
    public bool Calibrated
    {
        get
        {
            lock (_lock)
            {
                return _lowTicks != long.MinValue;
            }
        }
    }

    /// <summary>Storage's clock minus the instance's: zero until an answer carried a Date, and while the bounds hold zero.</summary>
    public TimeSpan Offset
    {
        get
        {
            lock (_lock)
            {
                return _lowTicks == long.MinValue || (_lowTicks <= 0 && _highTicks > 0)
                    ? TimeSpan.Zero
                    : TimeSpan.FromTicks(_lowTicks + ((_highTicks - _lowTicks) / 2));
            }
        }
    }

    /// <summary>Now on storage's clock (the instance's clock until calibrated).</summary>
    public DateTimeOffset UtcNow => local.GetUtcNow() + Offset;

    /// <summary>Records one answer's <c>Date</c> with the instance's times the request left and its answer arrived.</summary>
    public void Observe(DateTimeOffset? date, DateTimeOffset sent, DateTimeOffset received)
    {
        if (date is not { } d || received < sent)
        {
            return;
        }

        var low = (d - received).Ticks;
        var high = (d + TimeSpan.FromSeconds(1) - sent).Ticks;
        lock (_lock)
        {
            var newLow = Math.Max(_lowTicks, low);
            var newHigh = Math.Min(_highTicks, high);
            if (newLow >= newHigh)
            {
                (newLow, newHigh) = (low, high); // no longer consistent: a clock was stepped; start again from this answer
            }

            (_lowTicks, _highTicks) = (newLow, newHigh);
        }
    }
}
