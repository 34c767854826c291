using Azure;
using Azure.Data.Tables;

namespace FrontFunctions.IdMap;

/// <summary>
/// Single-entity reads and writes with optimistic concurrency, the one retry loop of the id map: read, decide, write
/// (<c>AddEntity</c> when the row is missing, <c>UpdateEntity</c> with If-Match otherwise); on 409 or 412 someone else wrote
/// first, so read again and decide again. No If-Match in batches: Azurite ignores it there (Azurite#1233).
/// <para>
/// <paramref name="companion"/>, when given, names a row that must exist no later than a row written (the id map's
/// link from a conversation to a row pointing at it, <see cref="IdMapKeys.Link"/>): an insert carries it in the same
/// entity group transaction (<c>Add</c> + upsert, all or none), an update that changes it upserts it first. Companions
/// are idempotent upserts, never conditional.
/// </para>
/// </summary>
public sealed class OptimisticTable(TableClient table, Func<ITableEntity, ITableEntity?>? companion = null)
{
    private const int MaxAttempts = 20;

    public TableClient Table => table;

    /// <summary>The row, or null.</summary>
    public async Task<T?> GetAsync<T>(string partitionKey, string rowKey, CancellationToken cancellationToken) where T : class, ITableEntity, new()
    {
        var response = await table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// Insert-first, for rows that are usually new: one <c>AddEntity</c>; when the row exists (409), read, decide, write as
    /// <see cref="MutateAsync{T}(string, string, Func{T, ValueTask{T}}, CancellationToken)"/> does. Returns true when it wrote.
    /// </summary>
    public async Task<bool> InsertFirstAsync<T>(T fresh, Func<T?, ValueTask<T?>> decide, CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        try
        {
            await AddAsync(fresh, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return await MutateAsync(fresh.PartitionKey, fresh.RowKey, decide, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Insert-once, one request: adds <paramref name="fresh"/>; a row already there (409) is kept as it is. True when it
    /// inserted. For rows whose existence is what matters and whose existing content always wins (a claim).
    /// </summary>
    public async Task<bool> InsertIfMissingAsync<T>(T fresh, CancellationToken cancellationToken) where T : class, ITableEntity, new()
    {
        try
        {
            await AddAsync(fresh, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>
    /// Inserts rows of one partition in one request (an entity group transaction: all or none). False when one of them
    /// exists already (409): nothing was written, and the caller falls back to writing them one by one. Inserts only: no
    /// If-Match in a batch (Azurite ignores it there, Azurite#1233).
    /// </summary>
    public async Task<bool> InsertAllAsync<T>(IReadOnlyList<T> rows, CancellationToken cancellationToken) where T : class, ITableEntity, new()
    {
        try
        {
            await table.SubmitTransactionAsync(
                rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r))
                    .Concat(rows.Select(r => companion?.Invoke(r)).OfType<ITableEntity>().Select(c => new TableTransactionAction(TableTransactionActionType.UpsertReplace, c))),
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>
    /// Read, decide, write; on 409/412 again. <paramref name="decide"/> gets the current row (null when missing) and returns
    /// the row to write (with the same keys), or null when the row is already right. Returns true when it wrote.
    /// </summary>
    public Task<bool> MutateAsync<T>(string partitionKey, string rowKey, Func<T?, T?> decide, CancellationToken cancellationToken)
        where T : class, ITableEntity, new() =>
        MutateAsync<T>(partitionKey, rowKey, existing => ValueTask.FromResult(decide(existing)), cancellationToken);

    /// <inheritdoc cref="MutateAsync{T}(string, string, Func{T, T}, CancellationToken)"/>
    public async Task<bool> MutateAsync<T>(string partitionKey, string rowKey, Func<T?, ValueTask<T?>> decide, CancellationToken cancellationToken)
        where T : class, ITableEntity, new()
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = await GetAsync<T>(partitionKey, rowKey, cancellationToken).ConfigureAwait(false);
            var etag = existing?.ETag ?? default;
            var linkedBefore = existing is null ? null : companion?.Invoke(existing)?.RowKey; // before decide, which may change the row in place
            var desired = await decide(existing).ConfigureAwait(false);
            if (desired is null)
            {
                return false;
            }

            try
            {
                if (existing is null)
                {
                    await AddAsync(desired, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    if (companion?.Invoke(desired) is { } link && link.RowKey != linkedBefore)
                    {
                        await table.UpsertEntityAsync(link, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                    }

                    await table.UpdateEntityAsync(desired, etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }

                return true;
            }
            catch (RequestFailedException e) when ((e.Status is 409 or 412) && attempt < MaxAttempts)
            {
                // Another writer got there first: re-read and re-apply the rule.
            }
        }
    }

    /// <summary><c>AddEntity</c>, with its companion row in the same transaction when it has one (409 when the row exists).</summary>
    private async Task AddAsync<T>(T row, CancellationToken cancellationToken) where T : class, ITableEntity
    {
        if (companion?.Invoke(row) is not { } link)
        {
            await table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
            return;
        }

        await table.SubmitTransactionAsync(
            [new TableTransactionAction(TableTransactionActionType.Add, row), new TableTransactionAction(TableTransactionActionType.UpsertReplace, link)],
            cancellationToken).ConfigureAwait(false);
    }
}
