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
    private const string Partition = "channel";
    private readonly TableClient _table;
    private readonly StorageInitializer _storage;
    private readonly TimeProvider _time;

    public ChannelRegistry(TableServiceClient tables, StorageInitializer storage, TimeProvider time)
    {
        _table = tables.GetTableClient(StorageNames.ChannelsTable);
        _storage = storage;
        _time = time;
    }

    /// <summary>Records (or re-activates) a channel Front has just authorized.</summary>
    public async Task<ChannelRecord> AuthorizeAsync(string channelId, CancellationToken cancellationToken)
    {
        await _storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var entity = new TableEntity(Partition, channelId)
        {
            ["AuthorizedAt"] = now,
            ["Status"] = nameof(ChannelStatus.Active),
            ["DeletedAt"] = null,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return new ChannelRecord(channelId, now, ChannelStatus.Active, null);
    }

    /// <summary>Marks the channel deleted, keeping everything else about it (a merge, not a replace).</summary>
    public async Task MarkDeletedAsync(string channelId, CancellationToken cancellationToken)
    {
        await _storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(Partition, channelId)
        {
            ["Status"] = nameof(ChannelStatus.Deleted),
            ["DeletedAt"] = _time.GetUtcNow(),
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The channel's record, or null when Front never authorized or deleted it here.</summary>
    public async Task<ChannelRecord?> FindAsync(string channelId, CancellationToken cancellationToken)
    {
        await _storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
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
