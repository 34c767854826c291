using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Data.Tables;

namespace FrontFunctions.Telemetry;

/// <summary>
/// The rows of table <c>FrontConsole</c> that <see cref="ConsoleStatsWriter"/> writes and the console reads, each found by key:
/// <list type="bullet">
/// <item>a minute row per instance: PartitionKey <c>m|yyyyMMddHH</c> (the hour), RowKey <c>mm|instance</c>; columns the
/// counts of that minute (<see cref="MinuteSeries"/> names), <c>FrontCalls</c> / <c>Throttled</c> with <c>Companies</c> (JSON
/// <c>{"company":[calls,429s]}</c>) and the queue gauges last sampled (<c>IngestDepth</c>, <c>IngestOldestAge</c>, …). The
/// last hour is two partition reads of at most 60 rows per instance, whatever the size of the map.</item>
/// <item>a counter row per channel: PartitionKey <c>channels</c>, RowKey the channel id; <c>Messages</c> (message rows
/// added to its map) and <c>LastStoredAt</c>, added to with the row's ETag.</item>
/// </list>
/// The failure index (<c>Failures/FailureIndex</c>) lives in the same table under its own partitions.
/// </summary>
public static class ConsoleStatsRows
{
    public const string ChannelsPartition = "channels";
    public const string MessagesColumn = "Messages";
    public const string LastStoredAtColumn = "LastStoredAt";
    public const string FrontCallsColumn = "FrontCalls";
    public const string ThrottledColumn = "Throttled";
    public const string CompaniesColumn = "Companies";

    /// <summary>The queues whose depth and oldest message age each minute row carries (column prefix, queue).</summary>
    public static readonly IReadOnlyList<(string Column, string Queue)> GaugedQueues =
    [
        ("Ingest", Storage.StorageNames.IngestQueue),
        ("Outbound", Storage.StorageNames.OutboundQueue),
    ];

    public static string HourPartition(long minute) =>
        "m|" + DateTimeOffset.FromUnixTimeSeconds(minute * 60).ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    public static string MinutePrefix(long minute) =>
        DateTimeOffset.FromUnixTimeSeconds(minute * 60).ToString("mm", CultureInfo.InvariantCulture) + "|";

    /// <summary>The minute a minute row counts (from its keys), or null for a row not written here.</summary>
    public static long? MinuteOf(string partitionKey, string rowKey) =>
        partitionKey.Length == 12 && rowKey.Length >= 3
        && DateTimeOffset.TryParseExact(partitionKey[2..] + rowKey[..2], "yyyyMMddHHmm", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var at)
            ? at.ToUnixTimeSeconds() / 60
            : null;

    public static TableEntity MinuteEntity(MinuteRow row, string instance, QueueSnapshot? gauges, DateTimeOffset now)
    {
        var entity = new TableEntity(HourPartition(row.Minute), MinutePrefix(row.Minute) + instance)
        {
            [FrontCallsColumn] = row.Companies.Values.Sum(c => c.Calls),
            [ThrottledColumn] = row.Companies.Values.Sum(c => c.Throttled),
            [CompaniesColumn] = JsonSerializer.Serialize(
                row.Companies.ToDictionary(c => c.Key, c => new[] { c.Value.Calls, c.Value.Throttled }, StringComparer.Ordinal),
                ConsoleStatsJson.Default.DictionaryStringInt64Array),
        };
        foreach (var series in Enum.GetValues<MinuteSeries>())
        {
            entity[series.ToString()] = row.Series[(int)series];
        }

        foreach (var (column, queue) in GaugedQueues)
        {
            if (gauges?.Get(queue) is { } sample)
            {
                entity[column + "Depth"] = sample.Depth;
                entity[column + "OldestAge"] = sample.OldestInsertedAt is { } inserted
                    ? Math.Round(Math.Max(0, (now - inserted).TotalSeconds), 1)
                    : 0d;
            }
        }

        return entity;
    }

    /// <summary>A minute row's calls and 429s per company.</summary>
    public static Dictionary<string, long[]> Companies(TableEntity row)
    {
        try
        {
            return row.GetString(CompaniesColumn) is { Length: > 0 } json
                ? JsonSerializer.Deserialize(json, ConsoleStatsJson.Default.DictionaryStringInt64Array) ?? []
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}

[JsonSerializable(typeof(Dictionary<string, long[]>))]
internal sealed partial class ConsoleStatsJson : JsonSerializerContext;
