using System.Net;
using System.Text.Json;
using FrontFunctions.TestSupport;
using FrontFunctions.Tests.Infrastructure;
using FrontSimulator;

namespace FrontFunctions.Tests.Integration.EndToEnd;

/// <summary>
/// The whole loop over real HTTP and a real queue: a sync import in the Front simulator → a signed message_imported
/// webhook to the local host → the ingest queue → the WebJobs queue listener → enrichment → the id map → the lookup API.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class ImportToLookupTests(SimulatedFrontAndHost loop) : IClassFixture<SimulatedFrontAndHost>
{
    // One simulator and one host for the class (12 cases); each case reads its own ids on the shared channel.
    private readonly RunningFrontSimulator _front = loop.Front;
    private readonly RunningLocalHost _host = loop.Host;
    private readonly string _channelId = loop.ChannelId;

    /// <summary>The first 200 answer of <paramref name="path"/> (404 until then: not mapped yet).</summary>
    private Task<JsonElement> LookupAsync(string path, TimeSpan deadline) => _host.Lookup.WaitForAsync(path, done: null, deadline);

    [Fact]
    public async Task A_sync_import_ends_as_a_lookup_answer()
    {
        var import = await _front.Control.ImportInboundAsync(
            _channelId, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, "ext/msg #1?", "thread/one", "Hello");
        Assert.Equal(202, import.StatusCode);

        var message = await LookupAsync(LookupApi.MessageByExternalId(_channelId, "ext/msg #1?"), TimeSpan.FromSeconds(30));

        Assert.Equal(_channelId, message.GetProperty("channel_id").GetString());
        Assert.StartsWith("msg_", message.GetProperty("message_id").GetString());
        Assert.StartsWith("cnv_", message.GetProperty("conversation_id").GetString());
        Assert.Equal(["thread/one"], message.GetProperty("external_conversation_ids").EnumerateArray().Select(e => e.GetString()));

        var conversation = await LookupAsync(
            LookupApi.ConversationByFrontId(_channelId, message.GetProperty("conversation_id").GetString()!), TimeSpan.FromSeconds(5));
        Assert.Equal(["thread/one"], conversation.GetProperty("external_conversation_ids").EnumerateArray().Select(e => e.GetString()));
        var byFrontId = await LookupAsync(
            LookupApi.MessageByFrontId(_channelId, message.GetProperty("message_id").GetString()!), TimeSpan.FromSeconds(5));
        Assert.Equal("ext/msg #1?", byFrontId.GetProperty("external_id").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("?code=wrong")]
    public async Task Lookup_without_the_function_key_is_401(string query)
    {
        var response = await _host.Http.GetAsync($"/api/map/{_channelId}/messages?external_id=x" + query.Replace('?', '&'));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("messages", "")]
    [InlineData("messages", "?external_id=a&front_id=msg_1")]
    [InlineData("messages", "?front_id=cnv_1")]
    [InlineData("conversations", "?front_id=msg_1")]
    [InlineData("messages", "?external_id=a&external_id=b")]
    [InlineData("conversations", "?front_id=cnv_1&front_id=cnv_2")]
    public async Task Lookup_with_neither_or_both_or_wrong_ids_is_400(string kind, string query)
    {
        var response = await _host.Http.GetAsync($"/api/map/{_channelId}/{kind}{query}{(query.Length == 0 ? "?" : "&")}code={RunningLocalHost.FunctionKey}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Lookup_of_an_unknown_id_is_404()
    {
        var response = await _host.Http.GetAsync($"/api/map/{_channelId}/conversations?external_id=nobody&code={RunningLocalHost.FunctionKey}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
