using System.Threading.RateLimiting;

namespace FrontFunctions.Front;

/// <summary>
/// The gate's share of the company budget when <c>Front__SharedBudget__Enabled</c> is on: before its local checks, each
/// caller takes one token leased from the <see cref="SharedFrontBudget"/>. One lease per instance is in flight at a time;
/// its tokens are kept for <c>TokenLifetime</c> and handed out one per caller. When storage fails or is slower than
/// <c>LeaseTimeout</c>, the gate uses only its local bucket and Front's headers for <c>FallbackPeriod</c>: a Front call
/// never waits on storage for longer than one lease timeout.
/// </summary>
public sealed partial class FrontRateGate
{
    private readonly SharedFrontBudget? _shared;
    private readonly object _stockLock = new();
    private int _stock;               // leased tokens not yet handed out
    private long _stockExpiresTicks;  // when they are dropped
    private long _fallbackUntilTicks; // storage failed: local gate only until then
    private Task<SharedLease>? _lease; // the lease in flight (one per instance)
    private long _sharedFallbacks;
    private readonly TokenBucketRateLimiter? _fallbackBucket; // paces a fallback below the whole limit (FallbackRequestsPerMinute)

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
                if (_fallbackBucket is { } paced)
                {
                    using var token = await paced.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            await lease!.WaitAsync(cancellationToken).ConfigureAwait(false); // then take from the stock, or ask again
        }
    }

    private static TokenBucketRateLimiter? FallbackBucket(SharedFrontBudget? shared, int requestsPerMinute)
    {
        var perMinute = shared?.Options.FallbackRequestsPerMinute ?? 0;
        if (perMinute <= 0 || perMinute >= requestsPerMinute)
        {
            return null; // the local bucket already paces at the whole limit
        }

        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromTicks(TimeSpan.TicksPerMinute / perMinute),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

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
            result = await _shared!.LeaseAsync(CancellationToken.None).ConfigureAwait(false); // bounded by LeaseTimeout
            if (result.Unavailable || result.Granted > 0)
            {
                break;
            }

            var jitter = TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * _shared.TokenInterval.Ticks));
            await Task.Delay(result.RetryAfter + jitter, _time).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        lock (_stockLock)
        {
            if (result.Unavailable)
            {
                _fallbackUntilTicks = (now + _shared.Options.FallbackPeriod).UtcTicks;
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
