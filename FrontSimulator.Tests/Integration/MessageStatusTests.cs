using System.Net;
using System.Text;
using FrontSimulator.Control;
using FrontSimulator.Tests.Infrastructure;
using static FrontSimulator.Tests.Infrastructure.SimHarness;

namespace FrontSimulator.Tests.Integration;

/// <summary>
/// <c>PUT /channels/{channel_id}/conversations/{conv_ext_id}/messages/{message_ext_id}/status</c> (channel-api.json): the
/// simulator takes exactly the bodies the spec's request schema accepts, marks the message failed and reopens its
/// conversation, and shows both in the control API.
/// </summary>
public sealed class MessageStatusTests : IAsyncLifetime
{
    private WebhookReceiver _webhook = null!;
    private SimHarness _h = null!;

    public async Task InitializeAsync()
    {
        _webhook = await WebhookReceiver.StartAsync();
        // The channel's app answers each teammate message with the external ids Front records for it.
        _webhook.AnswerFor = n => new { type = "success", external_id = $"front:reply/{n}", external_conversation_id = "thread/one" };
        _h = await StartAsync(_webhook.Url);
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        await _webhook.DisposeAsync();
    }

    private static string Path(string channel, string conversation, string message) =>
        $"/channels/{channel}/conversations/{Uri.EscapeDataString(conversation)}/messages/{Uri.EscapeDataString(message)}/status";

    private Task<HttpResponseMessage> PutAsync(string path, string body, string channel = ChannelA) =>
        _h.SendAsync(HttpMethod.Put, path, Token(channel), new StringContent(body, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task A_sent_message_marked_failed_shows_failed_with_its_reason_and_its_conversation_reopened()
    {
        var sent = await _h.Control.SendTeammateMessageAsync(ChannelA, new TeammateMessage { ConversationId = null });
        Assert.Equal(200, sent.Status);
        var before = Assert.Single((await _h.Control.GetSentMessagesAsync(ChannelA)).Messages);
        Assert.Equal("sent", before.Status);
        Assert.False(before.ConversationReopened);

        using var response = await PutAsync(Path(ChannelA, "thread/one", "front:reply/0"), "{\"status\":\"failed\",\"reason\":\"Partner down for 24 h\"}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var after = Assert.Single((await _h.Control.GetSentMessagesAsync(ChannelA)).Messages);
        Assert.Equal(sent.MessageId, after.MessageId);
        Assert.Equal(sent.ConversationId, after.ConversationId);
        Assert.Equal("failed", after.Status);
        Assert.Equal("Partner down for 24 h", after.Reason);
        Assert.Equal(1, after.FailedCalls);
        Assert.True(after.ConversationReopened);
        Assert.Equal(1, (await _h.Control.GetCountersAsync()).Requests[$"PUT {FrontSimulator.Api.MessageStatusEndpoints.Route}"]["204"]);
    }

    [Theory]
    [InlineData("{\"status\":\"failed\"}")]
    [InlineData("{\"status\":\"failed\",\"reason\":\"r\"}")]
    [InlineData("{\"status\":\"failed\",\"reason\":\"\"}")]
    [InlineData("{}")]
    [InlineData("{\"status\":\"sent\"}")]
    [InlineData("{\"status\":null}")]
    [InlineData("{\"status\":\"failed\",\"reason\":3}")]
    [InlineData("{\"status\":\"failed\",\"note\":\"x\"}")]
    [InlineData("[]")]
    [InlineData("\"failed\"")]
    public async Task The_simulator_accepts_exactly_the_bodies_the_spec_schema_accepts(string body)
    {
        await _h.Control.SendTeammateMessageAsync(ChannelA, new TeammateMessage { ConversationId = null });
        var valid = FrontSchemas.Errors(FrontSchemas.MessageStatusRequest, body).Count == 0;

        using var response = await PutAsync(Path(ChannelA, "thread/one", "front:reply/0"), body);

        Assert.Equal(valid ? HttpStatusCode.NoContent : HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_messages_other_channels_tokens_and_inbound_messages_are_refused()
    {
        await _h.Control.SendTeammateMessageAsync(ChannelA, new TeammateMessage { ConversationId = null });
        const string body = "{\"status\":\"failed\"}";

        using (var unknown = await PutAsync(Path(ChannelA, "thread/one", "front:nobody"), body))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using (var wrongConversation = await PutAsync(Path(ChannelA, "thread/other", "front:reply/0"), body))
        {
            Assert.Equal(HttpStatusCode.NotFound, wrongConversation.StatusCode);
        }

        using (var otherChannel = await PutAsync(Path(ChannelA, "thread/one", "front:reply/0"), body, ChannelB))
        {
            Assert.Equal(HttpStatusCode.Forbidden, otherChannel.StatusCode);
        }

        await _h.ImportAndWaitAsync(ChannelA, "in-1", "thread-in");
        using (var inbound = await PutAsync(Path(ChannelA, "thread-in", "in-1"), body))
        {
            Assert.Equal(HttpStatusCode.BadRequest, inbound.StatusCode);
            Assert.Contains("outbound", await inbound.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal("sent", Assert.Single((await _h.Control.GetSentMessagesAsync(ChannelA)).Messages).Status);
    }
}
