using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FrontSimulator.Control;
using FrontSimulator.Model;
using FrontSimulator.Tests.Infrastructure;
using static FrontSimulator.Tests.Infrastructure.SimHarness;

namespace FrontSimulator.Tests.Integration;

/// <summary>
/// Attachments both ways: a teammate message's attachments served by <c>GET /messages/{id}</c> (a <c>MessageResponse</c>)
/// and <c>GET /messages/{id}/download/{attachment_link_id}</c> (the spec's <c>attachment</c> response: the bytes with
/// <c>Content-Type</c> and <c>Content-Length</c>), the 403 switch, and multipart imports read back into the message they
/// flatten (the simulator's import validator, which checks the InboundMessage schema's rules, creates it).
/// </summary>
public sealed class AttachmentTests : IAsyncLifetime
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

    private async Task<(string MessageId, JsonArray Attachments)> TeammateMessageAsync(params AttachmentSpec[] attachments)
    {
        var result = await _h.Control.SendTeammateMessageAsync(ChannelA, new TeammateMessage { Attachments = attachments });
        Assert.Equal(200, result.Status);
        return (result.MessageId!, JsonNode.Parse(result.Request)!["payload"]!["attachments"]!.AsArray());
    }

    [Fact]
    public async Task A_teammate_messages_attachment_is_listed_by_GET_messages_and_downloaded_with_the_specs_headers()
    {
        var bytes = Encoding.UTF8.GetBytes("the contract, signed");
        var (messageId, listed) = await TeammateMessageAsync(
            new AttachmentSpec("contract.pdf", "application/pdf", 0) { Content = Convert.ToBase64String(bytes) },
            new AttachmentSpec("big.bin", "application/octet-stream", 200_000));

        using var message = await _h.GetAsync($"/messages/{messageId}", Token(ChannelA));
        Assert.Equal(HttpStatusCode.OK, message.StatusCode);
        var payload = JsonNode.Parse(await message.Content.ReadAsStringAsync())!.AsObject();
        payload.Remove("author"); // see OutboundMessageTests: the published TeammateResponse cannot validate
        FrontSchemas.AssertValid(FrontSchemas.MessageResponse, payload.ToJsonString());
        Assert.Equal(bytes.Length, payload["attachments"]![0]!["size"]!.GetValue<long>());

        var id = listed[0]!["id"]!.GetValue<string>();
        using var download = await _h.GetAsync($"/messages/{messageId}/download/{id}", Token(ChannelA));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes.Length, download.Content.Headers.ContentLength);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());

        using var generated = await _h.GetAsync($"/messages/{messageId}/download/{listed[1]!["id"]!.GetValue<string>()}", Token(ChannelA));
        var body = await generated.Content.ReadAsByteArrayAsync();
        Assert.Equal(200_000, body.Length);
        Assert.Equal(SimulatedAttachments.GeneratedSha256(200_000), SHA256.HashData(body));
    }

    [Fact]
    public async Task Another_channels_token_gets_404_an_unknown_attachment_404_and_a_forbidden_channel_403()
    {
        var (messageId, listed) = await TeammateMessageAsync(new AttachmentSpec("a.txt", "text/plain", 10));
        var path = $"/messages/{messageId}/download/{listed[0]!["id"]!.GetValue<string>()}";

        using var otherChannel = await _h.GetAsync(path, Token(ChannelB));
        using var unknown = await _h.GetAsync($"/messages/{messageId}/download/fil_nope", Token(ChannelA));
        await _h.Control.SetAttachmentsForbiddenAsync(ChannelA, forbidden: true);
        using var forbidden = await _h.GetAsync(path, Token(ChannelA));
        await _h.Control.SetAttachmentsForbiddenAsync(ChannelA, forbidden: false);
        using var allowedAgain = await _h.GetAsync(path, Token(ChannelA));

        Assert.Equal(HttpStatusCode.NotFound, otherChannel.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("\"_error\"", await forbidden.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, allowedAgain.StatusCode);
    }

    [Fact]
    public async Task A_multipart_import_is_read_back_into_the_InboundMessage_it_flattens_and_its_files_are_kept_and_downloadable()
    {
        var photo = RandomNumberGenerator.GetBytes(50_000);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("+33612345678"), "sender[handle]" },
            { new StringContent("Ada"), "sender[name]" },
            { new StringContent("<p>See attached</p>"), "body" },
            { new StringContent("1700000000"), "delivered_at" },
            { new StringContent("mp-1"), "metadata[external_id]" },
            { new StringContent("thread-mp"), "metadata[external_conversation_id]" },
        };
        var part = new ByteArrayContent(photo);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(part, "attachments[]", "photo.jpg");

        using var response = await _h.SendAsync(HttpMethod.Post, $"/channels/{ChannelA}/inbound_messages", Token(ChannelA), form);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await response.Content.ReadAsStringAsync();
        FrontSchemas.AssertValid(FrontSchemas.AcceptedMessage, answer);
        var uid = JsonNode.Parse(answer)!["message_uid"]!.GetValue<string>();
        var created = await _h.WaitForMessageAsync(ChannelA, uid);
        Assert.Equal("mp-1", created.ExternalId);
        var kept = (await _h.Control.GetAttachmentsAsync(ChannelA)).Imported.Single();
        Assert.Equal(created.Id, kept.MessageId);
        var file = kept.Attachments.Single();
        Assert.Equal(("photo.jpg", "image/jpeg", 50_000L), (file.Filename, file.ContentType, file.Size));
        using var download = await _h.GetAsync($"/messages/{created.Id}/download/{file.Id}", Token(ChannelA));
        Assert.Equal(photo, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_multipart_import_past_25_MB_of_attachments_is_refused()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("+33612345678"), "sender[handle]" },
            { new StringContent("x"), "body" },
            { new StringContent("mp-big"), "metadata[external_id]" },
            { new StringContent("t"), "metadata[external_conversation_id]" },
            { new ByteArrayContent(new byte[(25 * 1024 * 1024) + 1]), "attachments[]", "big.bin" },
        };

        using var response = await _h.SendAsync(HttpMethod.Post, $"/channels/{ChannelA}/inbound_messages", Token(ChannelA), form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("25 MB", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
