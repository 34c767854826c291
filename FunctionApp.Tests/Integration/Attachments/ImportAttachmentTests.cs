using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.TestSupport;
using FrontSimulator.Control;

namespace FrontFunctions.Tests.Integration.Attachments;

/// <summary>
/// Issue 21 point 2, the import API with attachments: <c>multipart/form-data</c> with a <c>message</c> field (the JSON
/// body) and <c>attachments[]</c> files, forwarded to Front (the simulator) as Front's own multipart form; past Front's
/// 25 MB or the file count a clear 413/400 and nothing reaches Front; a repeat never reaches Front twice.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class ImportAttachmentTests
{
    private const string InboundRoute = "POST /channels/{channel_id}/inbound_messages";
    private const string OutboundRoute = "POST /channels/{channel_id}/outbound_messages";

    private static JsonObject Inbound(string externalId) => new()
    {
        ["sender"] = new JsonObject { ["handle"] = "+15550100", ["name"] = "Ada" },
        ["body"] = "Here is the photo",
        ["delivered_at"] = 1_700_000_000,
        ["metadata"] = new JsonObject { ["external_id"] = externalId, ["external_conversation_id"] = "thread/1" },
    };

    private static MultipartFormDataContent Form(JsonObject message, params (string Name, string Type, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent { { new StringContent(message.ToJsonString(), Encoding.UTF8, "application/json"), "message" } };
        foreach (var (name, type, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue(type);
            form.Add(part, "attachments[]", name);
        }

        return form;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(AttachmentPipeline p, HttpContent content, string endpoint = "inbound_messages")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/{p.ChannelId}/{endpoint}") { Content = content };
        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        using var response = await p.Host.Http.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task A_multipart_import_reaches_Front_with_its_attachments_and_the_message_is_created()
    {
        await using var p = await AttachmentPipeline.StartAsync();
        var photo = RandomNumberGenerator.GetBytes(300_000);
        var note = Encoding.UTF8.GetBytes("a note");

        var (status, body) = await PostAsync(p, Form(Inbound("with-files/1"), ("photo 1.jpg", "image/jpeg", photo), ("note.txt", "text/plain", note)));

        Assert.Equal(HttpStatusCode.Accepted, status);
        var uid = body.GetProperty("message_uid").GetString()!;
        var kept = (await p.Sim.GetAttachmentsAsync(p.ChannelId)).Imported.Single();
        Assert.Equal(uid, kept.MessageUid);
        Assert.Equal("with-files/1", kept.ExternalId);
        Assert.Equal(["photo 1.jpg", "note.txt"], kept.Attachments.Select(a => a.Filename));
        Assert.Equal(["image/jpeg", "text/plain"], kept.Attachments.Select(a => a.ContentType));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(photo)), kept.Attachments[0].Sha256);
        // Front read the flattened form back into the message it describes: created in the thread, with its external id.
        var created = await Eventually.UntilAsync(
            async () => (await p.Sim.GetChannelAsync(p.ChannelId)).Conversations.SelectMany(c => c.Messages).FirstOrDefault(m => m.MessageUid == uid),
            "the imported message created");
        Assert.Equal("with-files/1", created.ExternalId);
        Assert.Equal("thread/1", created.ExternalConversationId);
        await p.WaitImportedAsync("with-files/1");
    }

    [Fact]
    public async Task An_outbound_import_with_an_attachment_is_forwarded_with_its_recipients()
    {
        await using var p = await AttachmentPipeline.StartAsync();
        var message = new JsonObject
        {
            ["to"] = new JsonArray(new JsonObject { ["handle"] = "+15550199", ["name"] = "Bob" }),
            ["body"] = "Reply with a file",
            ["metadata"] = new JsonObject { ["external_id"] = "out/1", ["external_conversation_id"] = "thread/2" },
        };

        var (status, _) = await PostAsync(p, Form(message, ("a.csv", "text/csv", Encoding.UTF8.GetBytes("a,b\n1,2"))), "outbound_messages");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("a.csv", (await p.Sim.GetAttachmentsAsync(p.ChannelId)).Imported.Single().Attachments.Single().Filename);
        await p.WaitImportedAsync("out/1");
    }

    [Fact]
    public async Task Past_Fronts_25_MB_is_413_past_the_file_count_or_without_a_message_400_and_nothing_reaches_Front()
    {
        await using var p = await AttachmentPipeline.StartAsync(new Dictionary<string, string?> { ["Attachments:MaxImportFiles"] = "2" });
        var half = new byte[13 * 1024 * 1024];

        var (tooLarge, tooLargeBody) = await PostAsync(p, Form(Inbound("big/1"), ("a.bin", "application/octet-stream", half), ("b.bin", "application/octet-stream", half)));
        var (tooMany, tooManyBody) = await PostAsync(p, Form(Inbound("many/1"), ("1.txt", "text/plain", [1]), ("2.txt", "text/plain", [2]), ("3.txt", "text/plain", [3])));
        var noMessage = new MultipartFormDataContent { { new ByteArrayContent([1]), "attachments[]", "x.bin" } };
        var (missing, missingBody) = await PostAsync(p, noMessage);
        var badJson = Inbound("bad/1");
        badJson.Remove("sender");
        var (invalid, _) = await PostAsync(p, Form(badJson, ("x.txt", "text/plain", [1])));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge);
        Assert.Contains("25 MB", tooLargeBody.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany);
        Assert.Contains("At most 2 attachments", tooManyBody.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Contains("\"message\"", missingBody.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, invalid); // the message part is checked as the JSON route checks it
        var counters = await p.Sim.GetCountersAsync();
        Assert.Equal(0, Enrichment.EnrichmentPipeline.Calls(counters, InboundRoute) + Enrichment.EnrichmentPipeline.Calls(counters, OutboundRoute));
    }

    [Fact]
    public async Task A_repeated_multipart_import_is_answered_from_its_row_and_reaches_Front_once()
    {
        await using var p = await AttachmentPipeline.StartAsync();
        var file = ("r.txt", "text/plain", Encoding.UTF8.GetBytes("once"));

        var (first, firstBody) = await PostAsync(p, Form(Inbound("repeat/1"), file));
        var (second, secondBody) = await PostAsync(p, Form(Inbound("repeat/1"), file));

        Assert.Equal(HttpStatusCode.Accepted, first);
        Assert.Equal(HttpStatusCode.OK, second);
        Assert.Equal(firstBody.GetProperty("message_uid").GetString(), secondBody.GetProperty("message_uid").GetString());
        Assert.Equal(1, Enrichment.EnrichmentPipeline.Calls(await p.Sim.GetCountersAsync(), InboundRoute));
        Assert.Single((await p.Sim.GetAttachmentsAsync(p.ChannelId)).Imported);
        await p.WaitImportedAsync("repeat/1");
    }
}
