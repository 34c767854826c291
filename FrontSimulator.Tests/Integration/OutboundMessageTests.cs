using System.Security.Cryptography;
using System.Text;
using FrontSimulator.Control;
using FrontSimulator.Tests.Infrastructure;
using static FrontSimulator.Tests.Infrastructure.SimHarness;

namespace FrontSimulator.Tests.Integration;

/// <summary>Teammate messages and auto-replies the control API sends to a channel's webhook, as Front sends them.</summary>
public sealed class OutboundMessageTests : IAsyncLifetime
{
    private WebhookReceiver _webhook = null!;
    private SimHarness _h = null!;

    public async Task InitializeAsync()
    {
        _webhook = await WebhookReceiver.StartAsync();
        _h = await StartAsync(_webhook.Url);
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        await _webhook.DisposeAsync();
    }

    private static string ExpectedSignature(string secret, string timestamp, byte[] body) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), (byte[])[.. Encoding.UTF8.GetBytes(timestamp + ":"), .. body]));

    [Fact]
    public async Task A_teammate_message_is_a_signed_message_request_whose_payload_is_a_Front_Message()
    {
        var imported = await _h.ImportAndWaitAsync(ChannelA, "ext-1", "thread-1");
        await _webhook.WaitForAsync(1); // the message_imported notification

        var result = await _h.Control.SendTeammateMessageAsync(ChannelA, new TeammateMessage
        {
            ConversationId = imported.ConversationId,
            Body = "<p>Hi <b>there</b></p>",
            Attachments = [new AttachmentSpec("a.pdf", "application/pdf", 10)],
        });

        Assert.Equal(200, result.Status);
        var received = (await _webhook.WaitForAsync(2)).Last();
        Assert.Equal(result.Request, Encoding.UTF8.GetString(received.Body));
        Assert.Equal(ExpectedSignature(SecretA, received.Timestamp!, received.Body), received.Signature);
        var json = received.Json;
        Assert.Equal("message", json["type"]!.GetValue<string>());
        var payload = json["payload"]!;
        Assert.Equal(result.MessageId, payload["id"]!.GetValue<string>());
        Assert.EndsWith("/conversations/" + imported.ConversationId, payload["_links"]!["related"]!["conversation"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(payload["is_inbound"]!.GetValue<bool>());
        Assert.Equal("Hi there", payload["text"]!.GetValue<string>());
        // The published TeammateResponse requires license_type yet declares no such property under additionalProperties:
        // false, so no author validates: the payload is checked without it, the author's fields by hand.
        var withoutAuthor = payload.DeepClone().AsObject();
        withoutAuthor.Remove("author");
        FrontSchemas.AssertValid(FrontSchemas.MessageResponse, withoutAuthor.ToJsonString());
        Assert.Equal("teammate@example.com", payload["author"]!["email"]!.GetValue<string>());
        Assert.Equal("user", payload["author"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_autoreply_has_no_id_and_links_the_message_it_replies_to_and_a_new_conversation_is_created_when_none_is_named()
    {
        var result = await _h.Control.SendTeammateMessageAsync(ChannelA, new TeammateMessage { Autoreply = true, RepliedTo = "msg_in1", Body = "Away" });

        Assert.Null(result.MessageId);
        Assert.StartsWith("cnv_", result.ConversationId, StringComparison.Ordinal);
        var payload = (await _webhook.WaitForAsync(1)).Single().Json;
        Assert.Equal("message_autoreply", payload["type"]!.GetValue<string>());
        Assert.Null(payload["payload"]!["id"]);
        Assert.Equal("auto_reply", payload["payload"]!["type"]!.GetValue<string>());
        Assert.EndsWith("/messages/msg_in1", payload["payload"]!["_links"]!["related"]!["message_replied_to"]!.GetValue<string>(), StringComparison.Ordinal);

        var again = await _h.Control.RedeliverAsync(ChannelA, result.Request);
        Assert.Equal(result.Request, Encoding.UTF8.GetString((await _webhook.WaitForAsync(2)).Last().Body));
        Assert.Equal(200, again.Status);
    }
}
