using Azure;
using Azure.Data.Tables;
using FrontFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Front;

/// <summary>The outcome of one lease: tokens granted (0 = bucket empty, wait <see cref="RetryAfter"/>), or storage unavailable.</summary>
public readonly record struct SharedLease(int Granted, TimeSpan RetryAfter, bool Unavailable)
{
    public static SharedLease Failed => new(0, TimeSpan.Zero, true);
}

/// <summary>
/// The shared Front budget in Table Storage (<see cref="StorageNames.BudgetTable"/>, partition <c>budget</c>, row
/// <c>BudgetKey</c>): each lease reads the row, refills it from its <c>RefilledAt</c> time, takes up to
/// <c>LeaseSize</c> tokens and writes it back only if its ETag is unchanged (412 → read again), so concurrent instances
/// never hand out the same token. A lease costs two table operations (one read, one conditional write; more under
/// contention) and is bounded by <c>LeaseTimeout</c>: a slow or failing storage returns <see cref="SharedLease.Failed"/>
/// and the caller falls back to its local gate.
/// </summary>
public sealed class SharedFrontBudget
{
    public const string PartitionKey = "budget";
    private readonly TableClient _table;
    private readonly SharedBudgetOptions _options;
    private readonly int _perMinute;
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly ILogger<SharedFrontBudget> _log;
    private int _tableChecked;

    public SharedFrontBudget(
        TableServiceClient tables,
        IOptions<SharedBudgetOptions> shared,
        IOptions<FrontApiOptions> api,
        TimeProvider time,
        ILogger<SharedFrontBudget> log)
    {
        _table = tables.GetTableClient(StorageNames.BudgetTable);
        _options = shared.Value;
        _capacity = SharedTokenBucket.EffectiveCapacity(_options, api.Value);
        _perMinute = SharedTokenBucket.RefillPerMinute(api.Value.RequestsPerMinute, _capacity);
        _time = time;
        _log = log;
    }

    public SharedBudgetOptions Options => _options;

    public bool Enabled => _options.Enabled;

    public int Capacity => _capacity;

    public int PerMinute => _perMinute;

    /// <summary>How long the bucket takes to refill one token.</summary>
    public TimeSpan TokenInterval => TimeSpan.FromMinutes(1.0 / _perMinute);

    /// <summary>Table operations made (reads and writes, conflicts included): the storage cost of the budget.</summary>
    public long StorageOperations => Interlocked.Read(ref _operations);

    private long _operations;

    /// <summary>Leases up to <c>LeaseSize</c> tokens, within <c>LeaseTimeout</c>.</summary>
    public async Task<SharedLease> LeaseAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.LeaseTimeout);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                if (await TryLeaseOnceAsync(timeout.Token).ConfigureAwait(false) is { } lease)
                {
                    return lease;
                }

                // ETag conflict: another instance leased first. A short random backoff spreads the retries.
                var backoff = TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 + (Math.Min(attempt, 5) * 10)));
                await Task.Delay(backoff, _time, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            FrontLog.SharedBudgetLeaseTimedOut(_log, _options.LeaseTimeout.TotalMilliseconds);
            return SharedLease.Failed;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Any failure (the SDK's own retries spent, a refused connection, an unexpected row) falls back; the cause is
            // logged by type and status only.
            var status = (e as RequestFailedException ?? e.InnerException as RequestFailedException)?.Status ?? 0;
            LastFailure = $"{e.GetType().Name} ({status})";
            FrontLog.SharedBudgetLeaseFailed(_log, status, e.GetType().Name);
            return SharedLease.Failed;
        }
    }

    /// <summary>What the last failed lease failed with (type and status), for diagnostics.</summary>
    public string? LastFailure { get; private set; }

    /// <summary>One read-modify-write; null on an ETag conflict.</summary>
    private async Task<SharedLease?> TryLeaseOnceAsync(CancellationToken cancellationToken)
    {
        NullableResponse<TableEntity> read;
        Interlocked.Increment(ref _operations);
        read = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionKey, _options.BudgetKey, cancellationToken: cancellationToken)
            .ConfigureAwait(false);

        var now = _time.GetUtcNow();
        var state = read.HasValue
            ? new SharedBucketState(read.Value!.GetDouble("Tokens") ?? 0, read.Value.GetDateTimeOffset("RefilledAt") ?? now)
            : SharedTokenBucket.New(_capacity, now);
        var decision = SharedTokenBucket.Lease(state, now, _perMinute, _capacity, _options.LeaseSize);
        if (decision.Granted == 0 && read.HasValue)
        {
            return new SharedLease(0, decision.RetryAfter, false); // nothing to take: no write needed
        }

        var entity = new TableEntity(PartitionKey, _options.BudgetKey)
        {
            ["Tokens"] = decision.Next.Tokens,
            ["RefilledAt"] = decision.Next.RefilledAt,
        };
        try
        {
            Interlocked.Increment(ref _operations);
            if (read.HasValue)
            {
                await _table.UpdateEntityAsync(entity, read.Value!.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RequestFailedException e) when (e.Status is 412 or 409)
        {
            return null;
        }
        catch (RequestFailedException e) when (e.Status == 404 && Interlocked.Exchange(ref _tableChecked, 1) == 0)
        {
            // No table yet (Azurite starts empty; Bicep creates it in Azure): create it once and lease again.
            await _table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        return new SharedLease(decision.Granted, decision.RetryAfter, false);
    }
}
