using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.Channels;
using FrontFunctions.Front;
using FrontFunctions.IdMap;
using FrontFunctions.Outbound;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Tests.Integration.Outbound;

/// <summary>
/// What answering a teammate's <c>message</c> costs in storage requests, and how many of them lie one after another on the
/// answer's path (round trips): the answer's latency is set by the second number.
/// </summary>
public sealed class OutboundAnswerRequestsTests : IAsyncDisposable
{
    private readonly RequestTimeline _timeline = new();
    private readonly FrontTestHost _host;
    private readonly string _channel = TestStorage.NewChannelId();

    public OutboundAnswerRequestsTests()
    {
        _host = FrontTestHost.Create(configure: services =>
        {
            var tables = new TableClientOptions();
            tables.AddPolicy(_timeline, HttpPipelinePosition.PerCall);
            services.AddSingleton(new TableServiceClient(TestStorage.ConnectionString, tables));
            var queues = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
            queues.AddPolicy(_timeline, HttpPipelinePosition.PerCall);
            services.AddSingleton(new QueueServiceClient(TestStorage.ConnectionString, queues));
        });
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_reply_in_a_conversation_seen_here_a_moment_ago_costs_two_requests_in_two_round_trips()
    {
        await ReplyOnceInMappedConversationAsync();

        var answer = await AnswerAsync("msg_2", "cnv_1");

        Assert.Equal(200, answer.StatusCode);
        Assert.Contains("\"external_conversation_id\":\"sms:", answer.Body, StringComparison.Ordinal);
        // Before: 6 requests in 3 round trips (the channel row read on every message, fm| and xm| inserted apart, the
        // conversation row read again after they were written), then 3 in 2 (the conversation row read first). The channel
        // row and the conversation row were both seen for msg_1 a moment ago: what is left is the plain loop's own work,
        // in the plain loop's order since issue 19 point 6 (the rows, then the queue write: one answer, one outcome).
        Assert.Equal(
            [Batch("cnv_1", "fm|msg_2", IdMapKeys.ExternalMessage("front:msg_2")), "POST front-outbound/messages"],
            _timeline.Labels);
        Assert.Equal(2, _timeline.RoundTrips);
    }

    [Fact]
    public async Task A_reply_in_a_conversation_another_instance_mapped_costs_three_requests_in_three_round_trips()
    {
        await _host.Get<ChannelRegistry>().AuthorizeAsync(_channel, CancellationToken.None);
        var otherInstance = new IdMapStore(new TableServiceClient(TestStorage.ConnectionString), TimeProvider.System);
        await otherInstance.RecordConversationAsync(_channel, "cnv_0", ["sms:+15550000"]);
        await otherInstance.RecordConversationAsync(_channel, "cnv_1", ["sms:+15550100"]);
        await AnswerAsync("msg_1", "cnv_0"); // warm
        _timeline.Reset();

        var answer = await AnswerAsync("msg_2", "cnv_1");

        Assert.Equal(200, answer.StatusCode);
        Assert.Equal(
            new[] { "GET fc|cnv_1", Batch("cnv_1", "fm|msg_2", IdMapKeys.ExternalMessage("front:msg_2")), "POST front-outbound/messages" }.Order(StringComparer.Ordinal),
            _timeline.Labels.Order(StringComparer.Ordinal));
        Assert.Equal(3, _timeline.RoundTrips);
        Assert.Equal("POST front-outbound/messages", _timeline.Labels[^1]);
    }

    [Fact]
    public async Task A_reply_in_a_new_conversation_mints_its_id_in_four_round_trips()
    {
        await ReplyOnceInMappedConversationAsync();

        var answer = await AnswerAsync("msg_2", "cnv_new");

        Assert.Equal(200, answer.StatusCode);
        Assert.Contains("\"external_conversation_id\":\"front:cnv_new\"", answer.Body, StringComparison.Ordinal);
        // Before: 10 requests in 7 round trips (the missing row read twice, the xc| row read before its insert, the
        // conversation row read again at the end).
        Assert.Equal(
            new[]
            {
                "GET fc|cnv_new", "POST fc|cnv_new", Batch("cnv_new", IdMapKeys.ExternalConversation("front:cnv_new")),
                Batch("cnv_new", "fm|msg_2", IdMapKeys.ExternalMessage("front:msg_2")), "POST front-outbound/messages",
            }.Order(StringComparer.Ordinal),
            _timeline.Labels.Order(StringComparer.Ordinal));
        Assert.Equal(4, _timeline.RoundTrips); // the queue write after the rows and the xc| claim (issue 19, point 6)
        Assert.Equal("POST front-outbound/messages", _timeline.Labels[^1]);
        Assert.Equal("cnv_new", (await _host.Get<IdMapStore>().FindConversationByExternalIdAsync(_channel, "front:cnv_new"))!.ConversationId);
    }

    [Fact]
    public async Task Replies_racing_in_a_new_conversation_on_one_instance_share_one_read_and_one_mint()
    {
        await ReplyOnceInMappedConversationAsync();

        var answers = await Task.WhenAll(Enumerable.Range(2, 6).Select(i => AnswerAsync($"msg_{i}", "cnv_race")));

        Assert.All(answers, a => Assert.Equal(200, a.StatusCode));
        Assert.All(answers, a => Assert.Contains("\"external_conversation_id\":\"front:cnv_race\"", a.Body, StringComparison.Ordinal));
        // Before: each of the 6 read the missing row, tried the insert, and 5 read it again after their 409.
        Assert.Equal(1, _timeline.Labels.Count(l => l == "GET fc|cnv_race"));
        Assert.Equal(1, _timeline.Labels.Count(l => l == "POST fc|cnv_race"));
        Assert.Equal(1, _timeline.Labels.Count(l => l == Batch("cnv_race", IdMapKeys.ExternalConversation("front:cnv_race"))));
        Assert.Equal(6, _timeline.Labels.Count(l => l.StartsWith("BATCH fm|", StringComparison.Ordinal)));
    }

    /// <summary>An entity group transaction inserting <paramref name="rowKeys"/>, each with its ml| link to <paramref name="conversation"/> (issue 22).</summary>
    private static string Batch(string conversation, params string[] rowKeys) =>
        "BATCH " + string.Join(" ", rowKeys.Concat(rowKeys.Select(k => IdMapKeys.Link(conversation, k))));

    /// <summary>
    /// The channel authorized, cnv_1 mapped to a partner id and msg_1 answered in it (warm: storage created, connections
    /// open, the conversation seen here), then the timeline emptied; returns msg_1's answer.
    /// </summary>
    private async Task<(int StatusCode, string Body)> ReplyOnceInMappedConversationAsync()
    {
        await _host.Get<ChannelRegistry>().AuthorizeAsync(_channel, CancellationToken.None);
        await _host.Get<IdMapStore>().RecordConversationAsync(_channel, "cnv_1", ["sms:+15550100"]);
        var answer = await AnswerAsync("msg_1", "cnv_1");
        _timeline.Reset();
        return answer;
    }

    private async Task<(int StatusCode, string Body)> AnswerAsync(string messageId, string conversationId)
    {
        var answer = await _host.Get<OutboundAnswerer>().AnswerAsync(_channel, TeammateReply.Envelope(messageId, conversationId), CancellationToken.None);
        return (answer.StatusCode, System.Text.Json.JsonSerializer.Serialize(answer.Body, answer.Body?.GetType() ?? typeof(object)));
    }

    [Fact]
    public async Task A_redelivered_reply_is_answered_the_same_through_the_row_by_row_fallback()
    {
        var first = await ReplyOnceInMappedConversationAsync();

        var again = await AnswerAsync("msg_1", "cnv_1");

        Assert.Equal(first, again);
        Assert.Contains(_timeline.Labels, l => l.StartsWith("BATCH ", StringComparison.Ordinal)); // refused: the rows exist
        Assert.Contains("GET fm|msg_1", _timeline.Labels); // then each row read, found right, not written
        Assert.DoesNotContain(_timeline.Labels, l => l.StartsWith("PUT ", StringComparison.Ordinal) || l.StartsWith("PATCH ", StringComparison.Ordinal));
        var mapped = await _host.Get<IdMapStore>().FindMessageByExternalIdAsync(_channel, "front:msg_1");
        Assert.Equal(("msg_1", "cnv_1"), (mapped!.MessageId, mapped.ConversationId));
    }
}

/// <summary>A teammate's reply as Front sends it in a <c>message</c> request (its envelope, parsed as the webhook parses it).</summary>
internal static class TeammateReply
{
    public static FrontWebhookEnvelope Envelope(string messageId, string conversationId)
    {
        var json = "{\"type\":\"message\",\"payload\":{\"_links\":{\"self\":\"https://acme.api.frontapp.com/messages/" + messageId
            + "\",\"related\":{\"conversation\":\"https://acme.api.frontapp.com/conversations/" + conversationId + "\"}},\"id\":\"" + messageId
            + "\",\"type\":\"custom\",\"is_inbound\":false,\"created_at\":1700000000.5,\"author\":{\"id\":\"tea_1\",\"email\":\"ada@example.com\"},"
            + "\"recipients\":[{\"handle\":\"+15550100\",\"role\":\"to\",\"name\":null}],\"body\":\"<p>Reply</p>\",\"text\":\"Reply\",\"attachments\":[]}}";
        return FrontWebhookEnvelope.TryParse(Encoding.UTF8.GetBytes(json), out var problem) ?? throw new InvalidOperationException(problem);
    }
}

/// <summary>
/// Records each storage request as "METHOD row key" (a table insert: the body's row key; a table read: "GET row key", or
/// "GET table/row key" outside the id map; a queue request: "METHOD queue/messages") with when it started and ended on
/// one logical clock, so that <see cref="RoundTrips"/> is the longest chain of requests each started after the previous ended.
/// </summary>
internal sealed partial class RequestTimeline : HttpPipelinePolicy
{
    private readonly ConcurrentQueue<(string Label, long Start, long End)> _requests = new();
    private long _clock;

    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(150);

    public IReadOnlyList<string> Labels => [.. _requests.Select(r => r.Label)];

    public int RoundTrips
    {
        get
        {
            var requests = _requests.OrderBy(r => r.Start).ToList();
            var depth = new int[requests.Count];
            for (var i = 0; i < requests.Count; i++)
            {
                depth[i] = 1 + Enumerable.Range(0, i).Where(j => requests[j].End < requests[i].Start).Select(j => depth[j]).DefaultIfEmpty(0).Max();
            }

            return depth.DefaultIfEmpty(0).Max();
        }
    }

    public void Reset() => _requests.Clear();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var label = await LabelAsync(message);
        var start = Interlocked.Increment(ref _clock);
        try
        {
            // Every request takes at least Latency, as storage does over a network: requests the code starts together
            // overlap although loopback Azurite answers some in a millisecond, and a gap of a few ms of CPU between two
            // requests meant to run at once (building the event, on a busy machine) cannot order them.
            await Task.Delay(Latency);
            await ProcessNextAsync(message, pipeline);
        }
        finally
        {
            _requests.Enqueue((label, start, Interlocked.Increment(ref _clock)));
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("The app's storage calls are asynchronous.");

    private static async Task<string> LabelAsync(HttpMessage message)
    {
        var uri = Uri.UnescapeDataString(message.Request.Uri.ToString());
        var path = new Uri(uri).AbsolutePath.TrimEnd('/');
        var method = message.Request.Method.ToString();
        if (RowKey().Match(uri) is { Success: true } key)
        {
            var table = TableName().Match(path).Groups[1].Value;
            return table == FrontFunctions.Storage.StorageNames.IdMapTable ? $"{method} {key.Groups[1].Value}" : $"{method} {table}/{key.Groups[1].Value}";
        }

        if (path.EndsWith("$batch", StringComparison.Ordinal) && message.Request.Content is { } batch)
        {
            using var buffer = new MemoryStream();
            await batch.WriteToAsync(buffer, default);
            return "BATCH " + string.Join(' ', BatchRowKey().Matches(Encoding.UTF8.GetString(buffer.ToArray())).Select(m => System.Text.Json.JsonSerializer.Deserialize<string>(m.Groups[1].Value)));
        }

        if (method == "POST" && message.Request.Content is { } content && !path.EndsWith("/messages", StringComparison.Ordinal))
        {
            using var buffer = new MemoryStream();
            await content.WriteToAsync(buffer, default);
            var body = System.Text.Json.JsonDocument.Parse(buffer.ToArray()).RootElement;
            return body.TryGetProperty("RowKey", out var rowKey) ? $"{method} {rowKey.GetString()}" : $"{method} {path.Split('/')[^1]}";
        }

        var segments = path.Split('/');
        return $"{method} {string.Join('/', segments.TakeLast(2))}";
    }

    [GeneratedRegex("RowKey='([^']*)'")]
    private static partial Regex RowKey();

    [GeneratedRegex(@"""RowKey"":(""(?:[^""\\]|\\.)*"")")]
    private static partial Regex BatchRowKey();

    [GeneratedRegex(@"/([A-Za-z0-9]+)\(PartitionKey=")]
    private static partial Regex TableName();
}
