namespace FrontFunctions.Front;

/// <summary>
/// The gate's share of its company's budget when <c>Front__SharedBudget__Enabled</c> is on: before its local checks, each
/// caller takes one token leased from the company's bucket row in <see cref="SharedFrontBudget"/>. One lease per company and
/// instance is in flight at a time; its tokens are kept for <c>TokenLifetime</c> and handed out one per caller. When storage
/// fails or is slower than <c>LeaseTimeout</c>, the gate paces on its <see cref="FallbackPacer"/> (this instance's share of
/// the company limit, sized so that every instance of every scale group together stays within it) for <c>FallbackPeriod</c>:
/// a Front call never waits on storage for longer than one lease timeout. Every wait is capped and ends when the gate is
/// disposed or the caller cancels.
/// </summary>
public sealed partial class FrontCompanyGate
{
    private readonly SharedFrontBudget? _shared;
    private readonly object _stockLock = new();
    private int _stock;               // leased tokens not yet handed out
    private long _stockExpiresTicks;  // when they are dropped
    private long _fallbackUntilTicks; // storage failed: local gate only until then
    private Task<SharedLease>? _lease; // the lease in flight (one per instance)
    private long _sharedFallbacks;
    private readonly FallbackPacer? _fallback; // paces a fallback at this instance's share of the company limit
    private readonly CancellationTokenSource _stopping = new(); // ends the lease loop when the gate is disposed

    /// <summary>The longest the lease loop sleeps before asking the row again, whatever the row says (a row's time may be wrong).</summary>
    internal static readonly TimeSpan MaxLeaseWait = TimeSpan.FromSeconds(2);

    /// <summary>Whether calls currently take tokens from the shared budget (false when it is off or storage is failing).</summary>
    public bool SharedBudgetActive => _shared is not null && Interlocked.Read(ref _fallbackUntilTicks) <= _time.GetUtcNow().UtcTicks;

    /// <summary>Calls that passed on the local gate alone because storage was failing (shared budget on).</summary>
    public long SharedBudgetFallbacks => Interlocked.Read(ref _sharedFallbacks);

    /// <summary>Takes one token of the shared budget, waiting while the bucket is empty; returns at once when it is off or failing.</summary>
    private async ValueTask TakeSharedTokenAsync(CancellationToken cancellationToken)
    {
        if (_shared is null)
        {
            return;
        }

        while (true)
        {
            Task<SharedLease>? lease = null;
            var fallback = false;
            lock (_stockLock)
            {
                var now = _time.GetUtcNow().UtcTicks;
                if (_stock > 0 && now < _stockExpiresTicks)
                {
                    _stock--;
                    return;
                }

                _stock = 0;
                if (now < _fallbackUntilTicks)
                {
                    Interlocked.Increment(ref _sharedFallbacks);
                    fallback = true;
                }
                else
                {
                    if (_lease is null || _lease.IsCompleted)
                    {
                        _lease = LeaseAndStockAsync();
                    }

                    lease = _lease;
                }
            }

            if (fallback)
            {
                if (await _fallback!.WaitAsync(FallbackUntil, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                continue; // no slot for this instance before the fallback ended: ask storage again
            }

            await lease!.WaitAsync(cancellationToken).ConfigureAwait(false); // then take from the stock, or ask again
        }
    }

    private DateTimeOffset FallbackUntil => new(Interlocked.Read(ref _fallbackUntilTicks), TimeSpan.Zero);

    /// <summary>
    /// The instance's one lease in flight: asks the bucket until it grants tokens (stocked for this instance's callers) or
    /// storage fails (fallback). While the bucket is empty it waits until the row says a token is refilled, plus a random
    /// part of one token's refill time. The wait belongs to the instance, not to each caller: when every caller waited and
    /// asked on its own, an instance with more callers came back sooner and won most races (measured: shares of 36, 10, 15
    /// and 2 calls among four instances). No budget is lost by the jitter: the token waits in the bucket meanwhile.
    /// </summary>
    private async Task<SharedLease> LeaseAndStockAsync()
    {
        await Task.Yield(); // never run the lease under the stock lock
        SharedLease result;
        while (true)
        {
            result = await _shared!.LeaseAsync(Company, _limitPerMinute, _stopping.Token).ConfigureAwait(false); // bounded by LeaseTimeout
            if (result.Unavailable || result.Granted > 0)
            {
                break;
            }

            // Capped: the row's RetryAfter comes from a time another instance wrote; asking again costs one read.
            var jitter = TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * _shared.TokenInterval(_limitPerMinute).Ticks));
            var wait = result.RetryAfter + jitter;
            await Task.Delay(wait < MaxLeaseWait ? wait : MaxLeaseWait, _time, _stopping.Token).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        lock (_stockLock)
        {
            if (result.Unavailable)
            {
                Interlocked.Exchange(ref _fallbackUntilTicks, (now + _shared.Options.FallbackPeriod).UtcTicks);
            }
            else if (result.Granted > 0)
            {
                _stock += result.Granted;
                _stockExpiresTicks = (now + _shared.Options.TokenLifetime).UtcTicks;
            }
        }

        return result;
    }
}
