using Azure.Data.Tables;
using FrontFunctions.Front;

namespace FrontFunctions.IdMap;

/// <summary>
/// The id map's table as its parts share it: the one <see cref="OptimisticTable"/> over <c>FrontIdMap</c>, point reads
/// that check the channel id (the partition key) first, and the small helpers every part uses.
/// </summary>
internal sealed class IdMapTable(OptimisticTable rows)
{
    /// <summary>How many merges are followed from one conversation at most (a longer chain or a cycle stops there).</summary>
    public const int MaxMergeHops = 16;

    public OptimisticTable Rows => rows;

    public Task<T?> GetAsync<T>(string channelId, string rowKey, CancellationToken cancellationToken) where T : class, ITableEntity, new()
    {
        ValidateChannel(channelId);
        return rows.GetAsync<T>(channelId, rowKey, cancellationToken);
    }

    public static T New<T>(string channelId, string rowKey) where T : IdMapEntity, new() => new() { PartitionKey = channelId, RowKey = rowKey };

    public static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public static void ValidateChannel(string channelId)
    {
        if (!FrontIds.IsChannelId(channelId))
        {
            throw new ArgumentException("The channel id must be a Front channel id (cha_…); it is the id map's partition key.", nameof(channelId));
        }
    }
}
