using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using FrontFunctions.Channels;
using FrontFunctions.IdMap;
using FrontFunctions.Lookup;
using FrontFunctions.Outbound;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Tests.Integration.Outbound;

/// <summary>
/// Issue 19, point 8: every id Front was given is findable. The instance answering a reply in a new conversation dies right
/// after the <c>fc|</c> row holding the minted <c>front:cnv_…</c> was written, before its <c>xc|</c> row (the crash
/// injection of the map tests: a storage pipeline policy after which every request fails). The next answer carrying that id
/// — on a fresh instance reading the row, or on one that remembers the conversation as settled — claims the <c>xc|</c>
/// row before its 200, and the lookup by the external id finds the conversation.
/// </summary>
public sealed class MintedIdFindableTests : IAsyncDisposable
{
    private readonly string _channel = TestStorage.NewChannelId();
    private readonly List<FrontTestHost> _hosts = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task After_a_crash_between_the_fc_and_xc_writes_the_next_answer_claims_the_minted_id()
    {
        await CrashWhileMintingAsync("cnv_crash1");

        var next = Instance(); // the host restarted: nothing in memory
        Assert.Equal("front:cnv_crash1", await AnswerAsync(next, "msg_2", "cnv_crash1"));

        await ExpectFindableAsync(Instance(), "front:cnv_crash1", "cnv_crash1");
    }

    [Fact]
    public async Task An_id_answered_from_the_settled_conversation_memory_is_claimed_too()
    {
        await CrashWhileMintingAsync("cnv_crash2");

        // This instance saw the conversation settled (an inbound message of it recorded by enrichment reads its fc| row):
        // the next reply is answered from that memory, without a read.
        var next = Instance();
        await next.Get<IdMapStore>().RecordMessageAsync(_channel, "msg_in", "cnv_crash2", "e-in", "uid-in");
        Assert.Equal("front:cnv_crash2", await AnswerAsync(next, "msg_2", "cnv_crash2"));

        await ExpectFindableAsync(Instance(), "front:cnv_crash2", "cnv_crash2");
    }

    [Fact]
    public async Task A_claimed_minted_id_costs_no_request_on_later_answers_of_the_same_instance()
    {
        var requests = new CrashAfterWritePolicy(rowKey: null);
        var host = Instance(requests);
        await host.Get<ChannelRegistry>().AuthorizeAsync(_channel, CancellationToken.None);
        Assert.Equal("front:cnv_warm", await AnswerAsync(host, "msg_1", "cnv_warm"));
        var claimsAfterFirst = requests.Writes(IdMapKeys.ExternalConversation("front:cnv_warm"));

        Assert.Equal("front:cnv_warm", await AnswerAsync(host, "msg_2", "cnv_warm"));
        Assert.Equal("front:cnv_warm", await AnswerAsync(host, "msg_3", "cnv_warm"));

        Assert.Equal(1, claimsAfterFirst);
        Assert.Equal(1, requests.Writes(IdMapKeys.ExternalConversation("front:cnv_warm")));
    }

    /// <summary>The first answer in <paramref name="conversationId"/> dies right after its fc| insert.</summary>
    private async Task CrashWhileMintingAsync(string conversationId)
    {
        var crashing = Instance(new CrashAfterWritePolicy(IdMapKeys.FrontConversation(conversationId)));
        await crashing.Get<ChannelRegistry>().AuthorizeAsync(_channel, CancellationToken.None);

        await Assert.ThrowsAnyAsync<Exception>(() => crashing.Get<OutboundAnswerer>().AnswerAsync(
            _channel, TeammateReply.Envelope("msg_1", conversationId), CancellationToken.None));

        // The state the crash left: the id on fc|, no xc| row.
        var map = Instance().Get<IdMapStore>();
        Assert.Equal(["front:" + conversationId], (await map.GetConversationRowAsync(_channel, conversationId))!.ExternalConversationIds);
        Assert.Null(await map.FindConversationByExternalIdAsync(_channel, "front:" + conversationId));
    }

    private async Task ExpectFindableAsync(FrontTestHost host, string externalConversationId, string conversationId)
    {
        var answer = await host.Get<MapLookup>().FindConversationAsync(_channel, externalConversationId, null, CancellationToken.None);
        Assert.Equal(200, answer.StatusCode);
        var body = JsonDocument.Parse(JsonSerializer.Serialize(answer.Body, answer.Body.GetType())).RootElement;
        Assert.Equal(conversationId, body.GetProperty("conversation_id").GetString());
    }

    private FrontTestHost Instance(HttpPipelinePolicy? policy = null)
    {
        var host = FrontTestHost.Create(configure: services =>
        {
            if (policy is not null)
            {
                var options = new TableClientOptions();
                options.AddPolicy(policy, HttpPipelinePosition.PerCall);
                services.AddSingleton(new TableServiceClient(TestStorage.ConnectionString, options));
            }
        });
        _hosts.Add(host);
        return host;
    }

    private async Task<string> AnswerAsync(FrontTestHost host, string messageId, string conversationId)
    {
        var answer = await host.Get<OutboundAnswerer>().AnswerAsync(_channel, TeammateReply.Envelope(messageId, conversationId), CancellationToken.None);
        Assert.Equal(200, answer.StatusCode);
        return Assert.IsType<OutboundAnswer>(answer.Body).ExternalConversationId;
    }

    /// <summary>
    /// The map tests' crash injection (IdMapTests.CrashPolicy), matching inserts too: the process "dies" right after its
    /// first successful write to the row <c>rowKey</c> (in the URI of an update, in the body of an insert), and every later
    /// request fails. With no row key it only counts the successful writes per row key.
    /// </summary>
    private sealed class CrashAfterWritePolicy(string? rowKey) : HttpPipelinePolicy
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _writes = new(StringComparer.Ordinal);
        private volatile bool _crashed;

        public int Writes(string key) => _writes.TryGetValue(key, out var n) ? n : 0;

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (_crashed)
            {
                throw new InvalidOperationException("crashed");
            }

            var text = Uri.UnescapeDataString(message.Request.Uri.ToString());
            if (message.Request.Content is { } content)
            {
                using var buffer = new MemoryStream();
                await content.WriteToAsync(buffer, default);
                text += Encoding.UTF8.GetString(buffer.ToArray());
            }

            await ProcessNextAsync(message, pipeline);
            if (message.Request.Method == RequestMethod.Get || message.Response.Status >= 300)
            {
                return;
            }

            foreach (var key in RowKeys(text))
            {
                _writes.AddOrUpdate(key, 1, (_, n) => n + 1);
                if (rowKey is not null && key == rowKey)
                {
                    _crashed = true;
                }
            }
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException();

        private static IEnumerable<string> RowKeys(string text)
        {
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"RowKey='([^']*)'|""RowKey"":(""(?:[^""\\]|\\.)*"")"))
            {
                yield return m.Groups[1].Success ? m.Groups[1].Value : JsonSerializer.Deserialize<string>(m.Groups[2].Value)!;
            }
        }
    }
}
