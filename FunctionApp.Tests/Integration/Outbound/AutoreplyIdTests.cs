using System.Text;
using FrontFunctions.Front;
using FrontFunctions.Outbound;

namespace FrontFunctions.Tests.Integration.Outbound;

/// <summary>
/// Issue 19, point 9: an auto-reply's external id (and so its webhook-id) names one Front message. Front's auto-replies
/// often have no <c>id</c> (docs/front-channel-api.md; the simulator sends them so): two auto-replies with the same text
/// in the same conversation, sent at different times, are two messages; Front's retry of one is the same message.
/// </summary>
public sealed class AutoreplyIdTests
{
    private const string Channel = "cha_autoreply1";

    [Fact]
    public void Two_identical_autoreplies_without_message_replied_to_get_different_external_ids_and_webhook_ids()
    {
        var first = Read(Autoreply(createdAt: "1700000000.125"));
        var second = Read(Autoreply(createdAt: "1700000360.5"));

        Assert.Null(first.MessageId);
        Assert.NotEqual(first.ExternalId, second.ExternalId);
        Assert.NotEqual(OutboundItem.WebhookIdFor(Channel, first.ExternalId), OutboundItem.WebhookIdFor(Channel, second.ExternalId));
        Assert.StartsWith("front:autoreply:cnv_a1:", first.ExternalId, StringComparison.Ordinal);
    }

    [Fact]
    public void Fronts_retry_of_the_same_autoreply_gets_the_same_external_id()
    {
        var body = Autoreply(createdAt: "1700000000.125");

        Assert.Equal(Read(body).ExternalId, Read(body).ExternalId);
    }

    [Fact]
    public void An_autoreply_that_names_itself_in_links_self_is_known_by_its_Front_message_id()
    {
        var message = Read(Autoreply(createdAt: "1700000000.125", self: "https://acme.api.frontapp.com/messages/msg_auto9"));

        Assert.Equal("msg_auto9", message.MessageId);
        Assert.Equal("front:msg_auto9", message.ExternalId);
    }

    [Fact]
    public void An_autoreply_with_nothing_but_its_content_falls_back_on_it()
    {
        // No id, no self link, no created_at: only the content is left (what the ids were derived from before).
        Assert.Equal(
            OutboundMessageReader.AutoreplyExternalId("cnv_a1", null, "<p>Out of office</p>"),
            Read(Autoreply(createdAt: null)).ExternalId);
    }

    private static OutboundMessage Read(string json)
    {
        var envelope = FrontWebhookEnvelope.TryParse(Encoding.UTF8.GetBytes(json), out var problem) ?? throw new InvalidOperationException(problem);
        return OutboundMessageReader.TryRead(Channel, envelope, out problem) ?? throw new InvalidOperationException(problem);
    }

    /// <summary>An auto-reply as Front (and the simulator) sends it: no id, no <c>message_replied_to</c>.</summary>
    private static string Autoreply(string? createdAt, string? self = null) =>
        "{\"type\":\"message_autoreply\",\"payload\":{\"_links\":{\"self\":" + (self is null ? "null" : "\"" + self + "\"")
        + ",\"related\":{\"conversation\":\"https://acme.api.frontapp.com/conversations/cnv_a1\"}},"
        + "\"type\":\"auto_reply\",\"is_inbound\":false," + (createdAt is null ? "" : "\"created_at\":" + createdAt + ",")
        + "\"author\":null,\"recipients\":[{\"handle\":\"+15550100\",\"role\":\"to\",\"name\":null}],"
        + "\"body\":\"<p>Out of office</p>\",\"text\":\"Out of office\",\"attachments\":[]}}";
}
