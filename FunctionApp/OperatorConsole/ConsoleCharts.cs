using Azure;
using Azure.Data.Tables;
using FrontFunctions.Storage;
using FrontFunctions.Telemetry;

namespace FrontFunctions.OperatorConsole;

/// <summary>
/// The last hour minute by minute (GET /api/console/charts), from the minute rows each instance writes
/// (<see cref="ConsoleStatsRows"/>): at most two partition reads of 60 rows per instance, whatever the size of the map.
/// Counts are summed over the instances; the queue gauges (every instance samples the same queues) take the largest.
/// </summary>
internal sealed class ConsoleCharts(TableServiceClient tables, TimeProvider time)
{
    public const int Minutes = 60;

    public static readonly IReadOnlyDictionary<MinuteSeries, string> SeriesNames = new Dictionary<MinuteSeries, string>
    {
        [MinuteSeries.NotificationsIn] = "notifications_in",
        [MinuteSeries.Mapped] = "messages_mapped",
        [MinuteSeries.RepliesDelivered] = "replies_delivered",
    };

    private TableClient Table => tables.GetTableClient(StorageNames.ConsoleTable);

    public async Task<ChartsView> LastHourAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var last = MinuteTally.MinuteOf(now);
        var first = last - Minutes + 1;
        var rows = new List<(int Slot, TableEntity Row)>();
        foreach (var partition in new[] { ConsoleStatsRows.HourPartition(first), ConsoleStatsRows.HourPartition(last) }.Distinct())
        {
            try
            {
                await foreach (var row in Table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    if (ConsoleStatsRows.MinuteOf(row.PartitionKey, row.RowKey) is { } minute && minute >= first && minute <= last)
                    {
                        rows.Add(((int)(minute - first), row));
                    }
                }
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                // Nothing written yet (the table is created by the first write).
            }
        }

        var series = new List<ChartSeries>();
        foreach (var (kind, name) in SeriesNames)
        {
            series.Add(new ChartSeries(name, null, null, Sum(rows, r => r.GetInt64(kind.ToString()))));
        }

        var companies = rows.Select(r => (r.Slot, Companies: ConsoleStatsRows.Companies(r.Row))).ToList();
        foreach (var company in companies.SelectMany(c => c.Companies.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            series.Add(new ChartSeries("front_calls", company, null, SumSlots(companies.Select(c => (c.Slot, Value: At(c.Companies, company, 0))))));
            series.Add(new ChartSeries("front_429s", company, null, SumSlots(companies.Select(c => (c.Slot, Value: At(c.Companies, company, 1))))));
        }

        foreach (var (column, queue) in ConsoleStatsRows.GaugedQueues)
        {
            series.Add(new ChartSeries("backlog", null, queue, Max(rows, r => r.GetInt64(column + "Depth"))));
            series.Add(new ChartSeries("oldest_age_seconds", null, queue, Max(rows, r => r.GetDouble(column + "OldestAge"))));
        }

        var minutes = Enumerable.Range(0, Minutes).Select(i => DateTimeOffset.FromUnixTimeSeconds((first + i) * 60)).ToList();
        return new ChartsView(now, minutes, series);
    }

    /// <summary>Messages mapped in the last hour (the sum of the chart's <c>messages_mapped</c>).</summary>
    public static int MappedLastHour(ChartsView charts) =>
        (int)charts.Series.Where(s => s.Name == SeriesNames[MinuteSeries.Mapped]).SelectMany(s => s.Values).Sum(v => v ?? 0);

    private static long? At(Dictionary<string, long[]> companies, string company, int index) =>
        companies.TryGetValue(company, out var values) && values.Length > index ? values[index] : null;

    private static double?[] Sum(List<(int Slot, TableEntity Row)> rows, Func<TableEntity, long?> value) =>
        SumSlots(rows.Select(r => (r.Slot, Value: value(r.Row))));

    private static double?[] SumSlots(IEnumerable<(int Slot, long? Value)> values)
    {
        var sums = new double?[Minutes];
        for (var i = 0; i < Minutes; i++)
        {
            sums[i] = 0;
        }

        foreach (var (slot, value) in values)
        {
            sums[slot] += value ?? 0;
        }

        return sums;
    }

    private static double?[] Max(List<(int Slot, TableEntity Row)> rows, Func<TableEntity, double?> value)
    {
        var max = new double?[Minutes];
        foreach (var (slot, row) in rows)
        {
            if (value(row) is { } v)
            {
                max[slot] = max[slot] is { } m ? Math.Max(m, v) : v;
            }
        }

        return max;
    }
}
