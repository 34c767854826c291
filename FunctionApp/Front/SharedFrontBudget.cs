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

/// <summary>What the app knows of a channel's company: its name (the host <c>{company}.api.frontapp.com</c>) and limit.</summary>
public readonly record struct ChannelCompany(string Company, int? LimitPerMinute);

/// <summary>
/// The shared Front budgets in Table Storage (<see cref="StorageNames.BudgetTable"/>): one token-bucket row per Front
/// company (partition <c>budget</c>, row <c>{BudgetKey}.{company}</c>), and one row per channel whose company is known
/// (partition <c>channel</c>, row = channel id: <see cref="ChannelCompany"/>). Each lease reads the company's row, refills it
/// from its <c>RefilledAt</c> time on storage's clock (<see cref="StorageClock"/>, from the service's <c>Date</c> header),
/// refuses a refill time more than <see cref="MaxRowAhead"/> ahead (a clock ahead wrote it; repaired to now), takes up to
/// <c>LeaseSize</c> tokens and writes it back only if its ETag is unchanged (412 → read again), so concurrent instances
/// never hand out the same token. A lease costs two table operations (one read, one conditional write; more under
/// contention) and is bounded by <c>LeaseTimeout</c>: a slow or failing storage returns <see cref="SharedLease.Failed"/>
/// and the caller falls back.
/// </summary>
public sealed class SharedFrontBudget
{
    public const string PartitionKey = "budget";
    public const string ChannelPartitionKey = "channel";

    /// <summary>How far ahead of storage's clock a row's refill time may be before it is refused and repaired.</summary>
    public static readonly TimeSpan MaxRowAhead = TimeSpan.FromSeconds(5);

    private readonly TableClient _table;
    private readonly SharedBudgetOptions _options;
    private readonly FrontApiOptions _api;
    private readonly TimeProvider _time;
    private readonly ILogger<SharedFrontBudget> _log;

    public SharedFrontBudget(
        TableServiceClient tables,
        IOptions<SharedBudgetOptions> shared,
        IOptions<FrontApiOptions> api,
        TimeProvider time,
        ILogger<SharedFrontBudget> log)
    {
        _table = tables.GetTableClient(StorageNames.BudgetTable);
        _options = shared.Value;
        _api = api.Value;
        _time = time;
        Clock = new StorageClock(time);
        _log = log;
    }

    public SharedBudgetOptions Options => _options;

    public bool Enabled => _options.Enabled;

    /// <summary>Storage's clock, calibrated by every answer of the budget table.</summary>
    public StorageClock Clock { get; }

    /// <summary>The bucket's capacity for a company limit.</summary>
    public int CapacityFor(int limitPerMinute) => SharedTokenBucket.EffectiveCapacity(_options, _api, limitPerMinute);

    /// <summary>The bucket's refill rate for a company limit (the limit minus the capacity).</summary>
    public int PerMinuteFor(int limitPerMinute) => SharedTokenBucket.RefillPerMinute(limitPerMinute, CapacityFor(limitPerMinute));

    /// <summary>How long the bucket takes to refill one token.</summary>
    public TimeSpan TokenInterval(int limitPerMinute) => TimeSpan.FromMinutes(1.0 / PerMinuteFor(limitPerMinute));

    /// <summary>The company's bucket row.</summary>
    public string RowKey(string company) => _options.BudgetKey + "." + company;

    /// <summary>Table operations made (reads and writes, conflicts included): the storage cost of the budget.</summary>
    public long StorageOperations => Interlocked.Read(ref _operations);

    private long _operations;

    /// <summary>Leases up to <c>LeaseSize</c> tokens of <paramref name="company"/>'s bucket, within <c>LeaseTimeout</c>.</summary>
    public async Task<SharedLease> LeaseAsync(string company, int limitPerMinute, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.LeaseTimeout);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                if (await TryLeaseOnceAsync(company, limitPerMinute, timeout.Token).ConfigureAwait(false) is { } lease)
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

    /// <summary>
    /// Charges one call to <paramref name="company"/>'s bucket (<see cref="SharedTokenBucket.Charge"/>): a call that went
    /// through the unknown company's bucket before an answer named its company. Without it, the first calls of a company
    /// were counted in no bucket of theirs, and four instances draining a backlog drew 2 company 429s at the end of the
    /// company's first minute (`bench all`, 2026-12-07). Best effort within <c>LeaseTimeout</c>: a failure is logged.
    /// </summary>
    public async Task ChargeAsync(string company, int limitPerMinute, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.LeaseTimeout);
        try
        {
            var capacity = CapacityFor(limitPerMinute);
            var perMinute = PerMinuteFor(limitPerMinute);
            var rowKey = RowKey(company);
            while (true)
            {
                var (read, state, now) = await ReadBucketAsync(rowKey, capacity, timeout.Token).ConfigureAwait(false);
                var next = SharedTokenBucket.Charge(SharedTokenBucket.Repair(state, now, capacity, MaxRowAhead), now, perMinute, capacity);
                if (await TryWriteBucketAsync(read, rowKey, next, limitPerMinute, timeout.Token).ConfigureAwait(false))
                {
                    return;
                }

                // Another instance wrote first: read again.
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var status = (e as RequestFailedException ?? e.InnerException as RequestFailedException)?.Status ?? 0;
            FrontLog.SharedBudgetLeaseFailed(_log, status, e.GetType().Name);
        }
    }

    /// <summary>What the last failed lease failed with (type and status), for diagnostics.</summary>
    public string? LastFailure { get; private set; }

    /// <summary>The channel's company as another instance (or this one) recorded it; null when unknown or unreadable.</summary>
    public async Task<ChannelCompany?> ReadChannelAsync(string channelId, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.LeaseTimeout);
        try
        {
            Interlocked.Increment(ref _operations);
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(ChannelPartitionKey, channelId, ["Company", "LimitPerMinute"], timeout.Token)
                .ConfigureAwait(false);
            return row.HasValue && FrontCompanies.IsCompanyName(row.Value!.GetString("Company"))
                ? new ChannelCompany(row.Value.GetString("Company"), row.Value.GetInt32("LimitPerMinute"))
                : null;
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null; // the conservative bucket until storage answers
        }
    }

    /// <summary>Records the channel's company for every instance (best effort: a failure only means others learn it themselves).</summary>
    public async Task WriteChannelAsync(string channelId, ChannelCompany company, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.LeaseTimeout);
        try
        {
            Interlocked.Increment(ref _operations);
            var entity = new TableEntity(ChannelPartitionKey, channelId) { ["Company"] = company.Company, ["LimitPerMinute"] = company.LimitPerMinute };
            await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One read-modify-write; null on an ETag conflict.</summary>
    private async Task<SharedLease?> TryLeaseOnceAsync(string company, int limitPerMinute, CancellationToken cancellationToken)
    {
        var capacity = CapacityFor(limitPerMinute);
        var perMinute = PerMinuteFor(limitPerMinute);
        var rowKey = RowKey(company);
        var (read, state, now) = await ReadBucketAsync(rowKey, capacity, cancellationToken).ConfigureAwait(false);
        var repaired = SharedTokenBucket.Repair(state, now, capacity, MaxRowAhead);
        var decision = SharedTokenBucket.Lease(repaired, now, perMinute, capacity, _options.LeaseSize);
        if (decision.Granted == 0 && read.HasValue && repaired == state)
        {
            return new SharedLease(0, decision.RetryAfter, false); // nothing to take: no write needed
        }

        if (!await TryWriteBucketAsync(read, rowKey, decision.Next, limitPerMinute, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new SharedLease(decision.Granted, decision.RetryAfter, false);
    }

    /// <summary>The company's bucket row as read (a new full bucket when there is none), on storage's clock.</summary>
    private async Task<(NullableResponse<TableEntity> Read, SharedBucketState State, DateTimeOffset Now)> ReadBucketAsync(
        string rowKey, int capacity, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _operations);
        var sent = _time.GetUtcNow();
        var read = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionKey, rowKey, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        Clock.Observe(read.GetRawResponse().Headers.Date, sent, _time.GetUtcNow());
        var now = Clock.UtcNow;
        var state = read.HasValue
            ? new SharedBucketState(read.Value!.GetDouble("Tokens") ?? 0, read.Value.GetDateTimeOffset("RefilledAt") ?? now)
            : SharedTokenBucket.New(capacity, now);
        return (read, state, now);
    }

    /// <summary>Writes the bucket's next state over the row as read (If-Match), or inserts it; false on an ETag conflict.</summary>
    private async Task<bool> TryWriteBucketAsync(NullableResponse<TableEntity> read, string rowKey, SharedBucketState next, int limitPerMinute, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(PartitionKey, rowKey)
        {
            ["Tokens"] = next.Tokens,
            ["RefilledAt"] = next.RefilledAt,
            ["LimitPerMinute"] = limitPerMinute,
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

            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 409)
        {
            return false;
        }
    }
}
