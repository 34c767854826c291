namespace FrontFunctions.Front;

/// <summary>The state of the shared bucket as one table row holds it: tokens left at <paramref name="RefilledAt"/>.</summary>
public readonly record struct SharedBucketState(double Tokens, DateTimeOffset RefilledAt);

/// <summary>What one lease computed: the tokens granted, the row's new state, and (when none) how long until one is refilled.</summary>
public readonly record struct SharedLeaseDecision(int Granted, SharedBucketState Next, TimeSpan RetryAfter);

/// <summary>
/// The shared bucket's arithmetic, without storage: refill from the row's last refill time (no timer), then grant up to a
/// lease's worth of whole tokens. Over any window of length W the bucket grants at most <c>capacity + rate × W</c>.
/// A clock behind the row's time (another instance's clock a little ahead) refills nothing and never moves the row back.
/// </summary>
public static class SharedTokenBucket
{
    /// <summary>A new bucket starts full.</summary>
    public static SharedBucketState New(int capacity, DateTimeOffset now) => new(capacity, now);

    public static SharedBucketState Refill(SharedBucketState state, DateTimeOffset now, int perMinute, int capacity)
    {
        if (now <= state.RefilledAt)
        {
            return state with { Tokens = Math.Min(state.Tokens, capacity) };
        }

        var added = (now - state.RefilledAt).TotalMinutes * perMinute;
        return new SharedBucketState(Math.Min(capacity, state.Tokens + added), now);
    }

    public static SharedLeaseDecision Lease(SharedBucketState state, DateTimeOffset now, int perMinute, int capacity, int want)
    {
        var refilled = Refill(state, now, perMinute, capacity);
        var whole = (int)Math.Floor(refilled.Tokens + 1e-9);
        var granted = Math.Clamp(whole, 0, want);
        var next = refilled with { Tokens = Math.Max(0, refilled.Tokens - granted) };
        if (granted > 0)
        {
            return new SharedLeaseDecision(granted, next, TimeSpan.Zero);
        }

        // Time until one whole token, measured from the row's time (it may be ahead of this clock).
        var missing = 1 - refilled.Tokens;
        var wait = TimeSpan.FromMinutes(missing / perMinute) + (refilled.RefilledAt > now ? refilled.RefilledAt - now : TimeSpan.Zero);
        return new SharedLeaseDecision(0, next, wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait);
    }

    /// <summary>
    /// Charges one call made without a token (it passed before its company was known): the bucket refilled, then one less,
    /// below zero if need be, so the next leases wait for it.
    /// </summary>
    public static SharedBucketState Charge(SharedBucketState state, DateTimeOffset now, int perMinute, int capacity)
    {
        var refilled = Refill(state, now, perMinute, capacity);
        return refilled with { Tokens = refilled.Tokens - 1 };
    }

    /// <summary>
    /// The refill rate for a company limit: the limit minus the capacity, so that even a full bucket plus a minute of refill
    /// stays within the limit in any 60-second window (a bucket refilled at the whole limit granted up to limit + capacity:
    /// measured, 3 company 429s in 2 minutes with four instances at 100 rpm).
    /// </summary>
    public static int RefillPerMinute(int limitPerMinute, int capacity) => Math.Max(1, limitPerMinute - capacity);

    /// <summary>The capacity in use: the configured one, or the burst limit minus one second of refill (at least a lease).</summary>
    public static int EffectiveCapacity(SharedBudgetOptions shared, FrontApiOptions api) => EffectiveCapacity(shared, api, api.RequestsPerMinute);

    /// <summary>The capacity for a company whose limit is <paramref name="limitPerMinute"/>.</summary>
    public static int EffectiveCapacity(SharedBudgetOptions shared, FrontApiOptions api, int limitPerMinute) =>
        shared.Capacity > 0
            ? Math.Max(shared.Capacity, 1)
            : Math.Max(shared.LeaseSize, api.BurstPerSecond - (int)Math.Ceiling(limitPerMinute / 60.0));

    /// <summary>
    /// A row whose refill time is more than <paramref name="maxAhead"/> past <paramref name="now"/> was written by a clock
    /// ahead (or by hand): it is refused and repaired to refill from now, keeping no more than a full bucket. Trusting it
    /// stopped every other instance for the whole skew (issue 22). Other rows are returned as they are.
    /// </summary>
    public static SharedBucketState Repair(SharedBucketState state, DateTimeOffset now, int capacity, TimeSpan maxAhead) =>
        state.RefilledAt - now > maxAhead
            ? new SharedBucketState(Math.Clamp(state.Tokens, 0, capacity), now)
            : state;
}
