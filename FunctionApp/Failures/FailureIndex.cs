using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using FrontFunctions.Storage;

namespace FrontFunctions.Failures;

/// <summary>
/// The delivery failures newest first, found by key instead of scanning <c>FrontDeliveryFailures</c>: for each failure
/// <see cref="DeliveryFailures"/> records, two rows in table <c>FrontConsole</c> — partition <c>f</c> (every channel) and
/// <c>f|&lt;channel&gt;</c> — RowKey the inverted time of the failure then a hash of its row's keys (so a partition reads
/// newest first), columns <c>Channel</c>, <c>FailureId</c> and <c>FailedAt</c>. Written before the failure row, so a failure
/// row always has its entry; an entry whose failure row is gone, was replaced by a later failure (another <c>FailedAt</c>)
/// or was closed is stale and removed by <see cref="ForgetAsync"/> when a reader meets it. The index holds the failures
/// recorded since it exists: older rows are not listed (<c>tools/RequeuePoison</c> still re-queues their messages).
/// </summary>
public sealed class FailureIndex(TableServiceClient tables)
{
    private const string AllPartition = "f";
    private const string ChannelColumn = "Channel";
    private const string FailureIdColumn = "FailureId";
    private const string FailedAtColumn = "FailedAt";

    private TableClient Table => tables.GetTableClient(StorageNames.ConsoleTable);

    /// <summary>Indexes the failure row (<paramref name="partition"/>, <paramref name="rowKey"/>) recorded at <paramref name="failedAt"/>.</summary>
    public async Task AddAsync(string partition, string rowKey, DateTimeOffset failedAt, CancellationToken cancellationToken)
    {
        var key = IndexKey(partition, rowKey, failedAt);
        await Task.WhenAll(
            Table.UpsertEntityAsync(Entry(AllPartition, key, partition, rowKey, failedAt), TableUpdateMode.Replace, cancellationToken),
            Table.UpsertEntityAsync(Entry(ChannelPartition(partition), key, partition, rowKey, failedAt), TableUpdateMode.Replace, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// The indexed failures newest first, all channels' or one's (<paramref name="channel"/>): stale entries included.
    /// </summary>
    public async IAsyncEnumerable<FailureIndexEntry> NewestAsync(
        string? channel, [EnumeratorCancellation] CancellationToken cancellationToken, int pageSize = 100)
    {
        var index = channel is null ? AllPartition : ChannelPartition(channel);
        await foreach (var row in Table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {index}"), maxPerPage: pageSize, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.GetString(ChannelColumn) is { Length: > 0 } partition && row.GetString(FailureIdColumn) is { Length: > 0 } failureId
                && row.GetDateTimeOffset(FailedAtColumn) is { } failedAt)
            {
                yield return new FailureIndexEntry(partition, failureId, failedAt, row.RowKey);
            }
        }
    }

    /// <summary>The newest failure of a channel, by the index (stale entries included: a hint for "last failure").</summary>
    public async Task<DateTimeOffset?> LastFailedAtAsync(string channel, CancellationToken cancellationToken)
    {
        await foreach (var entry in NewestAsync(channel, cancellationToken, pageSize: 1).ConfigureAwait(false))
        {
            return entry.FailedAt;
        }

        return null;
    }

    /// <summary>Whether <paramref name="failedAt"/> (a failure row's) is the failure <paramref name="entry"/> indexed.</summary>
    public static bool Indexes(FailureIndexEntry entry, DateTimeOffset? failedAt) =>
        failedAt is { } at && Math.Abs((at - entry.FailedAt).TotalMilliseconds) < 1;

    /// <summary>Removes a stale or closed entry (both its rows); one removed meanwhile is fine.</summary>
    public async Task ForgetAsync(FailureIndexEntry entry, CancellationToken cancellationToken)
    {
        foreach (var partition in new[] { AllPartition, ChannelPartition(entry.Channel) })
        {
            try
            {
                await Table.DeleteEntityAsync(partition, entry.IndexKey, ETag.All, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }
        }
    }

    private static string ChannelPartition(string channel) => AllPartition + "|" + channel;

    private static string IndexKey(string partition, string rowKey, DateTimeOffset failedAt) =>
        (DateTimeOffset.MaxValue.UtcTicks - failedAt.UtcTicks).ToString("D19", System.Globalization.CultureInfo.InvariantCulture) + "|"
        + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(partition + "\n" + rowKey)).AsSpan(0, 12));

    private static TableEntity Entry(string index, string key, string partition, string rowKey, DateTimeOffset failedAt) =>
        new(index, key) { [ChannelColumn] = partition, [FailureIdColumn] = rowKey, [FailedAtColumn] = failedAt };
}

/// <summary>One index entry: the failure row's keys, when it failed, and the entry's own key.</summary>
public sealed record FailureIndexEntry(string Channel, string FailureId, DateTimeOffset FailedAt, string IndexKey);
