using System.Diagnostics;
using System.Net;
using Azure.Data.Tables;
using FrontFunctions.Failures;
using FrontFunctions.IdMap;
using FrontFunctions.Storage;
using FrontFunctions.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 22 point 3, the console half: the console's 5-second refresh — the five calls the page makes at once (pipeline,
/// channels, charts, and the failures and unknown imports of the chosen channel) — timed against the local host for a
/// channel of <c>small</c> mapped messages, then again once a second channel of <c>large</c> is in the map, filtered on
/// that one. Message rows (<c>fm|</c> and <c>xm|</c>) are seeded straight into the id map in batches of 100 (an entity group
/// transaction each), with the channel's counter row as the app keeps it; each channel also has 20 failures recorded
/// through the app's own <see cref="DeliveryFailures"/>. Goal: the large channel's p50 within 1.5× the small one's.
/// </summary>
public static class ConsoleBenchmark
{
    private const int FailuresPerChannel = 20;

    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int small, int large, int refreshes)
    {
        await using var rig = await EndToEndRig.StartAsync(storage, appRequestsPerMinute: 0, appBurstPerSecond: 0, recordArrivals: false);
        var tables = new TableServiceClient(storage);
        var smallChannel = "cha_bench_console_small";
        var largeChannel = "cha_bench_console_large";

        await SeedAsync(rig, tables, smallChannel, small);
        await RefreshesAsync(rig, smallChannel, 3); // warm: JIT, connections, tables
        var smallTimes = await RefreshesAsync(rig, smallChannel, refreshes);

        await SeedAsync(rig, tables, largeChannel, large);
        await RefreshesAsync(rig, largeChannel, 3);
        var largeTimes = await RefreshesAsync(rig, largeChannel, refreshes);
        var smallAgain = await RefreshesAsync(rig, smallChannel, refreshes); // the small channel beside the large one

        Console.WriteLine($"console refresh, channel of {small} messages: p50 {P(smallTimes, 0.5):F1} ms, p90 {P(smallTimes, 0.9):F1} ms, max {smallTimes.Max():F1} ms");
        Console.WriteLine($"console refresh, channel of {large} messages: p50 {P(largeTimes, 0.5):F1} ms, p90 {P(largeTimes, 0.9):F1} ms, max {largeTimes.Max():F1} ms");
        Console.WriteLine($"console refresh, channel of {small} messages after the large one was seeded: p50 {P(smallAgain, 0.5):F1} ms");
        Console.WriteLine($"app warnings/errors: {rig.Warnings.Summary()}");
        var goals = new Goals();
        goals.Ratio($"console refresh p50, channel of {large:N0} vs {small:N0} mapped messages", P(largeTimes, 0.5), P(smallTimes, 0.5), "ms",
            $"channel of {small:N0}", atLeast: false, 1.5,
            detail: $"p90 {Goal.F(P(largeTimes, 0.9), "F1")} vs {Goal.F(P(smallTimes, 0.9), "F1")} ms; small channel again beside the large one p50 {Goal.F(P(smallAgain, 0.5), "F1")} ms; {refreshes} refreshes each");
        return goals.Results;
    }

    private static async Task SeedAsync(EndToEndRig rig, TableServiceClient tables, string channelId, int messages)
    {
        var clock = Stopwatch.StartNew();
        await rig.AuthorizeAsync(channelId);
        var map = tables.GetTableClient(StorageNames.IdMapTable);
        var batches = Enumerable.Range(0, (messages + 49) / 50).ToList(); // 50 messages = 100 rows (fm| + xm|) per batch
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (batch, token) =>
        {
            var actions = new List<TableTransactionAction>();
            for (var i = batch * 50; i < Math.Min(messages, (batch + 1) * 50); i++)
            {
                var messageId = $"msg_bench{i:D7}";
                var externalId = $"bench-{i}";
                var conversationId = $"cnv_bench{i / 10:D6}";
                actions.Add(new(TableTransactionActionType.UpsertReplace, new TableEntity(channelId, IdMapKeys.FrontMessage(messageId))
                    { ["MessageId"] = messageId, ["ExternalId"] = externalId, ["ConversationId"] = conversationId }));
                actions.Add(new(TableTransactionActionType.UpsertReplace, new TableEntity(channelId, IdMapKeys.ExternalMessage(externalId))
                    { ["MessageId"] = messageId, ["ExternalId"] = externalId, ["ConversationId"] = conversationId }));
            }

            await map.SubmitTransactionAsync(actions, token);
        });

        // The channel's counter row, as the app's ConsoleStatsWriter keeps it for messages it maps.
        var console = tables.GetTableClient(StorageNames.ConsoleTable);
        await console.CreateIfNotExistsAsync();
        await console.UpsertEntityAsync(new TableEntity(ConsoleStatsRows.ChannelsPartition, channelId)
            { [ConsoleStatsRows.MessagesColumn] = (long)messages, [ConsoleStatsRows.LastStoredAtColumn] = DateTimeOffset.UtcNow });
        var failures = rig.Services.GetRequiredService<DeliveryFailures>();
        for (var i = 0; i < FailuresPerChannel; i++)
        {
            await failures.RecordAsync(channelId, $"bench-delivery-{i}", $"msg_benchfail{i:D4}", "Front answered 401", 5, "{}", permanent: true, CancellationToken.None);
        }

        Console.WriteLine($"seeded {channelId}: {messages} messages ({2 * messages} rows) and {FailuresPerChannel} failures in {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Each refresh: the page's five calls at once, timed until the last answer is read.</summary>
    private static async Task<double[]> RefreshesAsync(EndToEndRig rig, string channelId, int count)
    {
        string[] paths =
        [
            "api/console/pipeline", "api/console/channels", "api/console/charts",
            $"api/console/failures?channel_id={channelId}", $"api/console/imports/unknown?channel_id={channelId}",
        ];
        var times = new double[count];
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(paths.Select(async path =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Add("x-functions-key", EndToEndRig.FunctionKey);
                using var response = await rig.Http.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}.");
                }
            }));
            times[i] = clock.Elapsed.TotalMilliseconds;
        }

        return times;
    }

    private static double P(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}
