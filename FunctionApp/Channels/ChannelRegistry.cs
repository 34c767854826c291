using Azure;
using Azure.Data.Tables;
using FrontFunctions.Storage;

namespace FrontFunctions.Channels;

public enum ChannelStatus
{
    Active,
    Deleted,
}

/// <summary>A channel of our app in some Front company, as recorded by <c>authorization</c> and <c>delete</c>.</summary>
public sealed record ChannelRecord(string ChannelId, DateTimeOffset? AuthorizedAt, ChannelStatus Status, DateTimeOffset? DeletedAt);

/// <summary>
/// The channel table: one row per channel (PartitionKey "channel", RowKey = channel id). Deleting a channel only marks it:
/// its id map stays, so lookups for past messages still answer.
/// </summary>
public sealed class ChannelRegistry
{
    /// <summary>
    /// How long <see cref="FindRecentAsync"/> may answer a channel's record from this instance's memory. A delete handled by
    /// this instance (or a re-authorization) updates it at once; one handled by another instance is seen here after at most
    /// this long, so a message Front sends on a channel deleted elsewhere within it is still answered and queued (Front does
    /// not send messages on a channel it has deleted: the window only matters for a request already in flight).
    /// </summary>
    public static readonly TimeSpan RecentFor = TimeSpan.FromSeconds(10);

    private const string Partition = "channel";
    // Safe across instances: trusted for RecentFor (10 s) only, a deleted channel is read every time, and this instance's own
    // writes replace the entry at once (a delete made by another instance shows within 10 s).
    private readonly Caching.BoundedMemory<string, (ChannelRecord? Record, DateTimeOffset ReadAt)> _recent;
    private readonly TableClient _table;
    private readonly TimeProvider _time;
    private readonly Caching.InFlightJoin<string, ChannelRecord?> _reading = new(StringComparer.Ordinal);

    public ChannelRegistry(TableServiceClient tables, TimeProvider time)
    {
        _table = tables.GetTableClient(StorageNames.ChannelsTable);
        _time = time;
        _recent = new(time, capacity: 10_000, timeToLive: TimeSpan.FromMinutes(1));
    }

    /// <summary>Records (or re-activates) a channel Front has just authorized.</summary>
    public async Task<ChannelRecord> AuthorizeAsync(string channelId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var entity = new TableEntity(Partition, channelId)
        {
            ["AuthorizedAt"] = now,
            ["Status"] = nameof(ChannelStatus.Active),
            ["DeletedAt"] = null,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        var record = new ChannelRecord(channelId, now, ChannelStatus.Active, null);
        _recent.Set(channelId, (record, now));
        return record;
    }

    /// <summary>Marks the channel deleted, keeping everything else about it (a merge, not a replace).</summary>
    public async Task MarkDeletedAsync(string channelId, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(Partition, channelId)
        {
            ["Status"] = nameof(ChannelStatus.Deleted),
            ["DeletedAt"] = _time.GetUtcNow(),
        };
        // The deleted record before and after the write: a FindRecentAsync read in flight meanwhile cannot store "active"
        // over it (it stores only over the entry it saw before reading).
        var deleted = new ChannelRecord(channelId, null, ChannelStatus.Deleted, entity.GetDateTimeOffset("DeletedAt"));
        _recent.Set(channelId, (deleted, _time.GetUtcNow()));
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        _recent.Set(channelId, (deleted, _time.GetUtcNow()));
    }

    /// <summary>
    /// <see cref="FindAsync"/>, answered from this instance's memory when read less than <see cref="RecentFor"/> ago (the
    /// answer to a teammate's message reads it on every request; this saves that storage request).
    /// </summary>
    public async Task<ChannelRecord?> FindRecentAsync(string channelId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var known = _recent.TryGet(channelId, out var seen);
        if (known && now - seen.ReadAt < RecentFor && seen.Record?.Status != ChannelStatus.Deleted)
        {
            return seen.Record;
        }

        // A deleted channel is read every time (a re-authorization on another instance shows at once), by each caller: a
        // delete recorded here after a shared read began must not be answered by that read.
        if (known && seen.Record?.Status == ChannelStatus.Deleted)
        {
            return await ReadAndRememberAsync(channelId, known, seen, now, cancellationToken).ConfigureAwait(false);
        }

        // Callers whose memory expired together share one read (16 concurrent partner reads made 16 reads every 10 s).
        return await _reading.JoinAsync(channelId, () => ReadAndRememberAsync(channelId, known, seen, now, CancellationToken.None), cancellationToken)
            .ConfigureAwait(false);
    }

    private async Task<ChannelRecord?> ReadAndRememberAsync(
        string channelId, bool known, (ChannelRecord? Record, DateTimeOffset ReadAt) seen, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var record = await FindAsync(channelId, cancellationToken).ConfigureAwait(false);
        // Stored only over the entry seen before reading (or none): a delete recorded meanwhile is never overwritten.
        _recent.GetOrSet(channelId, (record, now), held => !known || !held.Equals(seen));
        return record;
    }

    /// <summary>The channel's record, or null when Front never authorized or deleted it here.</summary>
    public async Task<ChannelRecord?> FindAsync(string channelId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, channelId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.HasValue || response.Value is not { } row)
        {
            return null;
        }

        return new ChannelRecord(
            channelId,
            row.GetDateTimeOffset("AuthorizedAt"),
            Enum.TryParse<ChannelStatus>(row.GetString("Status"), out var status) ? status : ChannelStatus.Active,
            row.GetDateTimeOffset("DeletedAt"));
    }
}
