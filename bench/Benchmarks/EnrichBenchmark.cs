using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.Ingest;
using FrontFunctions.LocalHost;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 12's enrichment throughput goal: with no Front call needed (every notification carries the external ids),
/// messages mapped per second by the real queue function, run by the local host's WebJobs listener with host.json's batch
/// settings, ≥ 0.8 × (issue 22, point 7; issue 12 had 0.7) a plain loop doing the minimum storage work per message at the same concurrency: receive in batches of
/// <c>batchSize</c>, and for each message (up to <c>batchSize + newBatchThreshold</c> at once, a new batch when no more than
/// <c>newBatchThreshold</c> are in flight, as the listener does) insert its <c>fm|</c> and <c>xm|</c> rows at once, then
/// delete it. Same Azurite, alternating rounds; before each round the ingest queue is filled with <c>count</c> well-formed
/// notifications as the webhook writes them (10 messages per conversation, conversations interleaved).
/// <para>Every storage request of the app's clients is counted by operation (<see cref="StorageRequestCounter"/>): the
/// per-stage breakdown printed after each function round shows where the time goes.</para>
/// </summary>
public static class EnrichBenchmark
{
    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int count, int rounds)
    {
        var counter = new StorageRequestCounter();
        var warnings = new WarningCounter();
        var queue = new QueueServiceClient(storage, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }).GetQueueClient(StorageNames.IngestQueue);
        await queue.CreateIfNotExistsAsync();
        var idMap = new TableServiceClient(storage).GetTableClient(StorageNames.IdMapTable);
        await idMap.CreateIfNotExistsAsync();
        var imports = new TableServiceClient(storage).GetTableClient(StorageNames.ImportsTable);
        await imports.CreateIfNotExistsAsync();

        // host.json's listener settings, as the local host reads them.
        var probe = Host(storage, counter, warnings, listener: false);
        var batchSize = probe.Configuration.GetValue("AzureFunctionsJobHost:extensions:queues:batchSize", 16);
        var threshold = probe.Configuration.GetValue("AzureFunctionsJobHost:extensions:queues:newBatchThreshold", batchSize / 2);
        await probe.DisposeAsync();
        Console.WriteLine($"host.json: batchSize {batchSize}, newBatchThreshold {threshold}: up to {batchSize + threshold} messages in flight; {count} messages per round, {count / 10} conversations");

        // Warm-up: JIT, connections, tables, both paths.
        await FunctionRoundAsync(storage, queue, idMap, counter, warnings, "warm", Math.Min(200, count), quiet: true);
        await PlainRoundAsync(queue, idMap, null, "warm", Math.Min(200, count), batchSize, threshold);
        await PlainRoundAsync(queue, idMap, imports, "warm", Math.Min(200, count), batchSize, threshold);

        var function = new List<double>();
        var plain = new List<double>();
        var floor = new List<double>();
        var complete = true;
        for (var round = 0; round < rounds; round++)
        {
            plain.Add(await PlainRoundAsync(queue, idMap, null, $"r{round}", count, batchSize, threshold));
            floor.Add(await PlainRoundAsync(queue, idMap, imports, $"r{round}", count, batchSize, threshold));
            var (rate, mapped) = await FunctionRoundAsync(storage, queue, idMap, counter, warnings, $"r{round}", count, quiet: false);
            function.Add(rate);
            complete &= mapped == count;
        }

        var goals = new Goals();
        goals.Ratio($"enrichment throughput, metadata in the notification ({batchSize}+{threshold} in flight)", function.Average(), floor.Average(), "messages/s",
            "its floor: receive, the message's rows and links in one batch beside the import row's read, the conversation row's read, delete", atLeast: true, 0.8, complete,
            string.Create(CultureInfo.InvariantCulture,
                $"{rounds} rounds of {count}; vs the plain receive + 2 inserts + delete loop {plain.Average():F0} messages/s, ratio {function.Average() / plain.Average():F2}"));
        return goals.Results;
    }

    private static WebApplication Host(string storage, StorageRequestCounter counter, WarningCounter warnings, bool listener) =>
        LocalFunctionsHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["AzureWebJobsStorage"] = storage,
                ["Front:ApiBaseUrl"] = "http://127.0.0.1:9", // no Front call is needed: one would fail and show in the warnings
                ["Front:AppUid"] = "bench-app",
                ["Front:AppSecret"] = "bench-secret",
                ["Front:PublicBaseUrl"] = "http://127.0.0.1",
                ["LocalHost:RunQueueListener"] = listener ? "true" : "false",
                ["LocalHost:FunctionKey"] = "bench",
                [PartnerOptions.DisabledSetting] = "true",
            });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(warnings);
            if (Environment.GetEnvironmentVariable("BENCH_LOG") is { Length: > 0 } level)
            {
                builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(Enum.Parse<LogLevel>(level));
            }
            if (Environment.GetEnvironmentVariable("BENCH_NOPOLICY") is null) { builder.Services.AddAzureClients(clients => clients.ConfigureDefaults(o => o.AddPolicy(counter, HttpPipelinePosition.PerRetry))); }
        });

    private static async Task<(double Rate, int Mapped)> FunctionRoundAsync(
        string storage, QueueClient queue, TableClient idMap, StorageRequestCounter counter, WarningCounter warnings, string round, int count, bool quiet)
    {
        var channelId = "cha_enrich" + round + Guid.NewGuid().ToString("N")[..6];
        await queue.ClearMessagesAsync();
        await FillAsync(queue, channelId, round, count);
        var app = Host(storage, counter, warnings, listener: true);
        counter.Reset();
        warnings.Clear();
        var clock = Stopwatch.StartNew();
        await app.StartAsync();
        var started = clock.Elapsed;
        var lastReport = clock.Elapsed;
        int left;
        while ((left = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount) > 0 && clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = clock.Elapsed;
                Console.WriteLine($"  [{round}] {left} messages left on the queue after {(clock.Elapsed - started).TotalSeconds:F0} s; app storage requests so far {counter.Requests}; warnings {warnings.Summary()}");
            }

            await Task.Delay(100);
        }

        var elapsed = clock.Elapsed - started;
        await app.StopAsync();
        await app.DisposeAsync();
        var mapped = await CountAsync(idMap, channelId);
        var rate = mapped / elapsed.TotalSeconds;
        if (!quiet)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"queue function (local host listener)  {mapped,5} of {count} mapped in {elapsed.TotalSeconds,5:F1} s  {rate,6:F0} messages/s  (host start {started.TotalSeconds:F1} s, not counted)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  app storage requests: {counter.Requests} ({(double)counter.Requests / Math.Max(1, mapped):F2}/message), 409/412 {counter.Conflicts}, at most {counter.MaxInFlight} in flight; by operation:"));
            foreach (var line in counter.Describe(Math.Max(1, mapped)))
            {
                Console.WriteLine(line);
            }

            Console.WriteLine($"  app warnings/errors: {warnings.Summary()}");
        }

        return (rate, mapped);
    }

    /// <summary>
    /// A loop draining the queue as the listener does. With <paramref name="imports"/> null, the issue's plain loop (each
    /// message's <c>fm|</c> and <c>xm|</c> rows inserted at once, then the delete); otherwise the app's floor, the storage
    /// requests its design needs for a new message in a settled conversation, in the app's order: the two rows and their
    /// <c>ml|</c> links in one entity group transaction beside the read of the import row (<c>im|</c>: was this an import
    /// through the app's API?), then the read of the conversation row (the read after the write that closes the race with a
    /// merge, <c>IdMap/MessageWriter.cs</c>), then the delete.
    /// </summary>
    private static async Task<double> PlainRoundAsync(QueueClient queue, TableClient idMap, TableClient? imports, string round, int count, int batchSize, int threshold)
    {
        var channelId = (imports is null ? "cha_plain" : "cha_floor") + round + Guid.NewGuid().ToString("N")[..6];
        await queue.ClearMessagesAsync();
        await FillAsync(queue, channelId, round, count);
        var (done, failures, elapsed) = await ListenerDrain.RunAsync(queue, count, batchSize, threshold, async message =>
        {
            var n = JsonSerializer.Deserialize(message.Body.ToString(), IngestJsonContext.Default.IngestNotification)!;
            if (imports is null)
            {
                await Task.WhenAll(
                    idMap.AddEntityAsync(Row(n.ChannelId, IdMap.IdMapKeys.FrontMessage(n.MessageId), n)),
                    idMap.AddEntityAsync(Row(n.ChannelId, IdMap.IdMapKeys.ExternalMessage(n.ExternalId!), n)));
            }
            else
            {
                string[] keys = [IdMap.IdMapKeys.FrontMessage(n.MessageId), IdMap.IdMapKeys.ExternalMessage(n.ExternalId!)];
                await Task.WhenAll(
                    idMap.SubmitTransactionAsync(keys.SelectMany(key => new[]
                    {
                        new TableTransactionAction(TableTransactionActionType.Add, Row(n.ChannelId, key, n)),
                        new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                            new TableEntity(n.ChannelId, IdMap.IdMapKeys.Link(n.ConversationId, key)) { ["Target"] = key }),
                    })),
                    imports.GetEntityIfExistsAsync<TableEntity>(n.ChannelId, Imports.ImportKeys.Import(n.ExternalId!)));
                await idMap.GetEntityIfExistsAsync<TableEntity>(n.ChannelId, IdMap.IdMapKeys.FrontConversation(n.ConversationId));
            }

            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }, e => e is Azure.RequestFailedException or JsonException);
        var rate = done / elapsed.TotalSeconds;
        if (!round.StartsWith("warm", StringComparison.Ordinal))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(imports is null ? $"plain loop (receive {batchSize}, 2 inserts, delete)" : $"floor (receive {batchSize}, batch of 4 + im| read, fc| read, delete)")}  {done,5} of {count} done in {elapsed.TotalSeconds,5:F1} s  {rate,6:F0} messages/s  failures {failures}"));
        }

        return rate;
    }

    private static TableEntity Row(string channelId, string rowKey, IngestNotification n) => new(channelId, rowKey)
    {
        ["MessageId"] = n.MessageId,
        ["ExternalId"] = n.ExternalId,
        ["MessageUid"] = n.MessageUid,
        ["ConversationId"] = n.ConversationId,
    };

    private static async Task<int> CountAsync(TableClient idMap, string channelId)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {channelId} and RowKey ge {"xm|"} and RowKey lt {"xm}"}");
        var n = 0;
        await foreach (var _ in idMap.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["RowKey"]))
        {
            n++;
        }

        return n;
    }

    /// <summary>The queue items the webhook writes for <paramref name="count"/> message_imported notifications with metadata.</summary>
    private static Task FillAsync(QueueClient queue, string channelId, string round, int count)
    {
        var conversations = Math.Max(1, count / 10);
        return Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var conversation = i % conversations;
            var messageId = $"msg_{round}x{i}";
            var conversationId = $"cnv_{round}x{conversation}";
            var externalId = $"enrich/{round}/c{conversation}/m{i}";
            var externalConversationId = $"enrich/{round}/c{conversation}";
            var envelope = "{\"type\":\"message_imported\",\"payload\":{\"_links\":{\"self\":\"https://acme.api.frontapp.com/messages/" + messageId
                + "\",\"related\":{\"conversation\":\"https://acme.api.frontapp.com/conversations/" + conversationId
                + "\"}},\"id\":\"" + messageId + "\",\"type\":\"custom\",\"is_inbound\":true,\"created_at\":1700000000.5,\"body\":\"Message " + i
                + "\",\"text\":\"Message " + i + "\",\"metadata\":{\"external_id\":\"" + externalId + "\"}},\"metadata\":{\"external_conversation_id\":\""
                + externalConversationId + "\",\"external_conversation_ids\":[\"" + externalConversationId + "\"],\"message_uid\":\"uid" + i + "\"}}";
            var item = JsonSerializer.SerializeToUtf8Bytes(new IngestNotification
            {
                DeliveryKey = IngestNotification.DeliveryKeyFor(channelId, messageId),
                ChannelId = channelId,
                ReceivedAt = DateTimeOffset.UtcNow,
                MessageId = messageId,
                ConversationId = conversationId,
                ExternalConversationIds = [externalConversationId],
                ExternalId = externalId,
                MessageUid = "uid" + i,
                Envelope = JsonDocument.Parse(envelope).RootElement,
            }, IngestJsonContext.Default.IngestNotification);
            await queue.SendMessageAsync(BinaryData.FromBytes(item), cancellationToken: ct);
        });
    }
}
