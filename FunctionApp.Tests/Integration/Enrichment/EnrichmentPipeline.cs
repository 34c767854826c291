using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using FrontFunctions.Storage;
using FrontFunctions.TestSupport;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator;
using FrontSimulator.Control;

namespace FrontFunctions.Tests.Integration.Enrichment;

/// <summary>
/// The whole enrichment loop for one test: an in-process Front simulator, the local host with the real queue listener
/// (WebJobs SDK, host.json queue settings) pointed at it, and a fresh channel in the simulator whose webhook is the local
/// host. Helpers import through the simulator, poll the lookup API with deadlines and read the simulator's counters.
/// </summary>
internal sealed class EnrichmentPipeline : IAsyncDisposable
{
    public static readonly TimeSpan MappingDeadline = TimeSpan.FromSeconds(25);

    /// <summary>How often storage is polled: each poll is a request to Azurite, shared with the app under test.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private EnrichmentPipeline(RunningFrontSimulator front, RunningLocalHost host, string channelId)
    {
        Front = front;
        Host = host;
        ChannelId = channelId;
    }

    public RunningFrontSimulator Front { get; }
    public RunningLocalHost Host { get; }
    public string ChannelId { get; }
    public SimulatorControl Sim => Front.Control;

    public static async Task<EnrichmentPipeline> StartAsync(IDictionary<string, string?>? hostSettings = null, bool registerChannel = true)
    {
        var front = await FrontSimulatorServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Front:ApiBaseUrl"] = front.BaseUrl.AbsoluteUri,
            ["LocalHost:RunQueueListener"] = "true",
        };
        foreach (var (key, value) in hostSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var host = await RunningLocalHost.StartAsync(settings);
        var channelId = TestStorage.NewChannelId();
        var pipeline = new EnrichmentPipeline(front, host, channelId);
        if (registerChannel)
        {
            await front.Control.CreateChannelAsync(
                channelId, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, new Uri(host.BaseUrl, $"api/front/channels/{channelId}"));
        }

        // The imports themselves must not be slowed by the simulator's burst limit (5/s per channel); the app keeps its own
        // gate (Front__RequestsPerMinute / BurstPerSecond defaults), so its calls stay within Front's real limits anyway.
        await front.Control.SetRateLimitAsync(requestsPerMinute: 10_000, burstPerSecond: 1_000);
        return pipeline;
    }

    /// <summary>Imports one inbound message, retrying what Front answers for now (429, 5xx); returns the message_uid.</summary>
    public async Task<string> ImportAsync(string externalId, string externalConversationId)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var import = await Sim.ImportInboundAsync(
                ChannelId, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, externalId, externalConversationId, "Hello " + externalId);
            if (import.StatusCode == 202)
            {
                return import.MessageUid!;
            }

            Assert.True(import.StatusCode is 429 or >= 500, $"Import of {externalId} answered {import.StatusCode}: {import.Body}");
            Assert.True(DateTime.UtcNow < until, $"Import of {externalId} still answered {import.StatusCode} after 15 s.");
            await Task.Delay(import.StatusCode == 429 ? 1000 : 100);
        }
    }

    /// <summary>Waits until the simulator has created every imported message (no pending imports) and returns its state.</summary>
    public async Task<ChannelSnapshot> WaitCreatedAsync(int expectedMessages)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var snapshot = await Sim.GetChannelAsync(ChannelId);
            // A merge copies the merged-away conversation's messages into the survivor: count each message once.
            var count = snapshot.Conversations.SelectMany(c => c.Messages).Select(m => m.Id).Distinct().Count();
            if (snapshot.PendingMessageUids.Count == 0 && count == expectedMessages)
            {
                return snapshot;
            }

            Assert.True(DateTime.UtcNow < until, $"The simulator created {count} of {expectedMessages} messages within 15 s.");
            await Task.Delay(100);
        }
    }

    /// <summary>GET on the lookup API with the function key: (status, body or default).</summary>
    public Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path) => Host.Lookup.GetAsync(path);

    public string MessageByExternalId(string externalId) => LookupApi.MessageByExternalId(ChannelId, externalId);
    public string MessageByFrontId(string messageId) => LookupApi.MessageByFrontId(ChannelId, messageId);
    public string ConversationByExternalId(string externalId) => LookupApi.ConversationByExternalId(ChannelId, externalId);
    public string ConversationByFrontId(string conversationId) => LookupApi.ConversationByFrontId(ChannelId, conversationId);

    /// <summary>
    /// Polls <paramref name="path"/> until it answers 200 with a body satisfying <paramref name="done"/>; fails at the
    /// deadline (default <see cref="MappingDeadline"/>) with the last answer. Only 200 and 404 (not mapped yet) are
    /// acceptable answers on the way.
    /// </summary>
    public Task<JsonElement> WaitForAsync(string path, Func<JsonElement, bool> done, TimeSpan? deadline = null) =>
        Host.Lookup.WaitForAsync(path, done, deadline ?? MappingDeadline);

    /// <summary>
    /// Waits until every message of the simulator's snapshot is mapped both ways to the simulator's answer (Front id,
    /// surviving conversation id, external id) and every conversation lists exactly its external ids.
    /// </summary>
    public async Task AssertMapMatchesAsync(ChannelSnapshot snapshot)
    {
        foreach (var conversation in snapshot.Conversations.Where(c => c.MergedInto is null))
        {
            var messages = snapshot.Conversations.Where(c => SurvivorOf(snapshot, c.Id) == conversation.Id).SelectMany(c => c.Messages).DistinctBy(m => m.Id);
            foreach (var message in messages)
            {
                var byExternal = await WaitForAsync(
                    MessageByExternalId(message.ExternalId),
                    m => m.GetProperty("conversation_id").GetString() == conversation.Id);
                Assert.Equal(ChannelId, byExternal.GetProperty("channel_id").GetString());
                Assert.Equal(message.Id, byExternal.GetProperty("message_id").GetString());
                Assert.Equal(message.ExternalId, byExternal.GetProperty("external_id").GetString());

                var byFront = await WaitForAsync(
                    MessageByFrontId(message.Id),
                    m => m.GetProperty("conversation_id").GetString() == conversation.Id);
                Assert.Equal(message.ExternalId, byFront.GetProperty("external_id").GetString());
                Assert.Equal(message.Id, byFront.GetProperty("message_id").GetString());
                Assert.Equal(Sorted(conversation.ExternalConversationIds), Sorted(Ids(byFront)));
            }

            var byFrontConversation = await WaitForAsync(
                ConversationByFrontId(conversation.Id),
                c => Sorted(Ids(c)).SequenceEqual(Sorted(conversation.ExternalConversationIds)));
            Assert.Equal(conversation.Id, byFrontConversation.GetProperty("conversation_id").GetString());
            foreach (var externalConversationId in conversation.ExternalConversationIds)
            {
                var byExternal = await WaitForAsync(
                    ConversationByExternalId(externalConversationId),
                    c => c.GetProperty("conversation_id").GetString() == conversation.Id);
                Assert.Equal(Sorted(conversation.ExternalConversationIds), Sorted(Ids(byExternal)));
            }
        }
    }

    public static string SurvivorOf(ChannelSnapshot snapshot, string conversationId)
    {
        var byId = snapshot.Conversations.ToDictionary(c => c.Id);
        var id = conversationId;
        for (var hops = 0; hops < 16 && byId[id].MergedInto is { } next; hops++)
        {
            id = next;
        }

        return id;
    }

    public static IEnumerable<string> Ids(JsonElement answer) =>
        answer.GetProperty("external_conversation_ids").EnumerateArray().Select(e => e.GetString()!);

    public static string[] Sorted(IEnumerable<string> ids) => [.. ids.Order(StringComparer.Ordinal)];

    /// <summary>
    /// Answers of one Front API route, by status, without 401s: the shared ingest queue can hold leftovers of other tests
    /// whose channels this simulator does not know, and their calls are refused with 401 before anything is looked up.
    /// </summary>
    public static long Calls(SimulatorCounters counters, string route, Func<string, bool>? status = null) =>
        counters.Requests.TryGetValue(route, out var byStatus)
            ? byStatus.Where(s => s.Key != "401" && (status?.Invoke(s.Key) ?? true)).Sum(s => s.Value)
            : 0;

    public const string GetMessageRoute = "GET /messages/{message_id}";
    public const string GetMessageByUidRoute = "GET /messages/alt:uid:{message_uid}";
    public const string GetConversationRoute = "GET /conversations/{conversation_id}";

    /// <summary>How many times the app reported mapping a message of this channel (duplicates included).</summary>
    public int MappedLogLines() =>
        Host.Logs.Lines.Count(l => l.Contains("Mapped message", StringComparison.Ordinal) && l.Contains(ChannelId, StringComparison.Ordinal));

    /// <summary>Returns once <paramref name="condition"/> holds; fails at the deadline (default <see cref="MappingDeadline"/>).</summary>
    public Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null) =>
        Eventually.TrueAsync(condition, what, deadline ?? MappingDeadline, PollInterval);

    /// <summary>The channel's id map rows (PartitionKey = channel id), keyed by RowKey, with the mapping columns only.</summary>
    public async Task<SortedDictionary<string, string>> IdMapRowsAsync()
    {
        var table = TestStorage.Tables().GetTableClient(StorageNames.IdMapTable);
        var rows = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.PartitionKey == ChannelId))
        {
            var columns = entity.Keys
                .Where(k => k is not ("odata.etag" or "PartitionKey" or "RowKey" or "Timestamp" or "RefreshedAt"))
                .Order(StringComparer.Ordinal)
                .Select(k => $"{k}={entity[k]}");
            rows[entity.RowKey] = string.Join("; ", columns);
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Front.DisposeAsync();
    }
}
