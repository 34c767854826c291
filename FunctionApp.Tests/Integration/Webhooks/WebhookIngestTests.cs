using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Webhooks;

/// <summary>Front's webhooks through real HTTP against the local host and a real Azurite.</summary>
[Collection(SharedQueueCollection.Name)]
public sealed class WebhookIngestTests : WebhookTest
{
    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Authorization_records_the_channel_and_answers_its_webhook_url()
    {
        var response = await Host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization(ChannelId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await JsonAsync(response);
        Assert.Equal("success", json.GetProperty("type").GetString());
        Assert.Equal($"https://front-functions.example.net/api/front/channels/{ChannelId}", json.GetProperty("webhook_url").GetString());
        var row = await ChannelsTable.GetEntityAsync<TableEntity>("channel", ChannelId);
        Assert.Equal("Active", row.Value.GetString("Status"));
        Assert.NotNull(row.Value.GetDateTimeOffset("AuthorizedAt"));
        Assert.Empty(await QueuedForChannelAsync());
    }

    [Fact]
    public async Task Message_imported_leaves_exactly_one_queue_message_with_what_enrichment_needs()
    {
        var body = FrontPayloads.MessageImported("msg_abc", "cnv_xyz", ["ext-1", "ext-2"], externalId: "ext-msg-1", messageUid: "uid-1");

        var response = await Host.SendSignedAsync(HttpMethod.Post, ChannelPath, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("success", (await JsonAsync(response)).GetProperty("type").GetString());
        var queued = Assert.Single(await QueuedForChannelAsync());
        Assert.Equal("msg_abc", queued.GetProperty("message_id").GetString());
        Assert.Equal("cnv_xyz", queued.GetProperty("conversation_id").GetString());
        Assert.Equal(["ext-1", "ext-2"], queued.GetProperty("external_conversation_ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("ext-msg-1", queued.GetProperty("external_id").GetString());
        Assert.Equal("uid-1", queued.GetProperty("message_uid").GetString());
        Assert.Equal(32, queued.GetProperty("delivery_key").GetString()!.Length);
        Assert.Equal("msg_abc", queued.GetProperty("envelope").GetProperty("payload").GetProperty("id").GetString());
        Assert.True(queued.GetProperty("received_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
    }

    [Fact]
    public async Task Duplicate_notifications_share_one_delivery_key()
    {
        var body = FrontPayloads.MessageImported("msg_dup", "cnv_1");
        await Host.SendSignedAsync(HttpMethod.Post, ChannelPath, body);
        await Host.SendSignedAsync(HttpMethod.Post, ChannelPath, body);

        var queued = await QueuedForChannelAsync();
        Assert.Equal(2, queued.Count);
        Assert.Single(queued.Select(q => q.GetProperty("delivery_key").GetString()).Distinct());
    }

    [Fact]
    public async Task Message_imported_signed_with_the_previous_secret_is_queued()
    {
        var response = await Host.SendSignedAsync(
            HttpMethod.Post, ChannelPath, FrontPayloads.MessageImported("msg_1", "cnv_1"), secret: RunningLocalHost.PreviousAppSecret);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(await QueuedForChannelAsync());
    }

    [Fact]
    public async Task Envelope_too_large_for_a_queue_message_is_kept_in_a_blob_the_message_points_to()
    {
        var body = FrontPayloads.MessageImported("msg_big", "cnv_big", body: new string('x', 200 * 1024));

        var response = await Host.SendSignedAsync(HttpMethod.Post, ChannelPath, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var queued = Assert.Single(await QueuedForChannelAsync());
        Assert.False(queued.TryGetProperty("envelope", out _));
        var blobName = queued.GetProperty("envelope_blob").GetString()!;
        var blob = TestStorage.Blobs().GetBlobContainerClient(StorageNames.PayloadContainer).GetBlobClient(blobName);
        Assert.Equal(body, (await blob.DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal("msg_big", queued.GetProperty("message_id").GetString());
    }

    /// <summary>
    /// A conversation merged many times carries many external ids: they alone can exceed a queue message. Before the fix
    /// the pointer message still carried them all, the queue refused it, and the webhook answered 503 to every retry.
    /// </summary>
    [Fact]
    public async Task External_ids_too_many_for_a_queue_message_stay_in_the_blob_and_the_pointer_fits()
    {
        var ids = Enumerable.Range(0, 400).Select(i => $"thread-{i:D4}-" + new string('x', 180)).ToArray(); // ~77 KB of ids
        var body = FrontPayloads.MessageImported("msg_many", "cnv_many", ids, externalId: "ext-many");

        var response = await Host.SendSignedAsync(HttpMethod.Post, ChannelPath, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var queued = Assert.Single(await QueuedForChannelAsync());
        Assert.True(queued.GetProperty("ids_in_blob").GetBoolean());
        Assert.False(queued.TryGetProperty("external_conversation_ids", out var inline) && inline.GetArrayLength() > 0);
        Assert.Equal("msg_many", queued.GetProperty("message_id").GetString());
        Assert.Equal("cnv_many", queued.GetProperty("conversation_id").GetString());
        var blob = TestStorage.Blobs().GetBlobContainerClient(StorageNames.PayloadContainer).GetBlobClient(queued.GetProperty("envelope_blob").GetString()!);
        Assert.Equal(body, (await blob.DownloadContentAsync()).Value.Content.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("undefined")]
    [InlineData("json")]
    public async Task Delete_marks_the_channel_deleted_and_keeps_its_row(string? bodyKind)
    {
        await Host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization(ChannelId));
        var body = bodyKind == "json" ? FrontPayloads.Delete(ChannelId) : bodyKind;

        var response = await Host.SendSignedAsync(HttpMethod.Delete, ChannelPath, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var row = await ChannelsTable.GetEntityAsync<TableEntity>("channel", ChannelId);
        Assert.Equal("Deleted", row.Value.GetString("Status"));
        Assert.NotNull(row.Value.GetDateTimeOffset("AuthorizedAt"));
        Assert.NotNull(row.Value.GetDateTimeOffset("DeletedAt"));
        Assert.Empty(await QueuedForChannelAsync());
    }

    [Theory]
    [InlineData("message")]
    [InlineData("message_autoreply")]
    public async Task Outbound_message_requests_without_a_conversation_link_answer_400_naming_it(string type)
    {
        var body = JsonSerializer.Serialize(new { type, payload = new { id = "msg_out", body = "reply" } });

        var response = await Host.SendSignedAsync(HttpMethod.Post, ChannelPath, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = (await JsonAsync(response)).GetProperty("message").GetString();
        Assert.Contains(type, message);
        Assert.Contains("conversation", message);
        Assert.Empty(await QueuedForChannelAsync());
    }

    public static TheoryData<string, string, HttpStatusCode, string> RejectedBodies => new()
    {
        { "malformed JSON", "{\"type\":\"message_imported\",", HttpStatusCode.BadRequest, "not valid JSON" },
        { "array", "[]", HttpStatusCode.BadRequest, "JSON object" },
        { "no type", "{\"payload\":{}}", HttpStatusCode.BadRequest, "\"type\"" },
        { "no payload", "{\"type\":\"message_imported\"}", HttpStatusCode.BadRequest, "\"payload\"" },
        { "payload not an object", "{\"type\":\"message_imported\",\"payload\":\"x\"}", HttpStatusCode.BadRequest, "\"payload\"" },
        { "no message id", "{\"type\":\"message_imported\",\"payload\":{\"_links\":{\"related\":{\"conversation\":\"https://api2.frontapp.com/conversations/cnv_1\"}}}}", HttpStatusCode.BadRequest, "message id" },
        { "no conversation link", "{\"type\":\"message_imported\",\"payload\":{\"id\":\"msg_1\"}}", HttpStatusCode.BadRequest, "conversation link" },
        { "link to a message", "{\"type\":\"message_imported\",\"payload\":{\"id\":\"msg_1\",\"_links\":{\"related\":{\"conversation\":\"https://api2.frontapp.com/messages/msg_1\"}}}}", HttpStatusCode.BadRequest, "conversation link" },
        { "unknown type", "{\"type\":\"surprise\",\"payload\":{}}", HttpStatusCode.BadRequest, "surprise" },
        { "authorization on a channel URL", "{\"type\":\"authorization\",\"payload\":{\"channel_id\":\"cha_1\"}}", HttpStatusCode.BadRequest, "app's URL" },
    };

    [Theory]
    [MemberData(nameof(RejectedBodies))]
    public async Task Malformed_notifications_get_a_clear_400_and_queue_nothing(string _, string body, HttpStatusCode expected, string messagePart)
    {
        var response = await Host.SendSignedAsync(HttpMethod.Post, ChannelPath, body);

        Assert.Equal(expected, response.StatusCode);
        var json = await JsonAsync(response);
        Assert.Equal("bad_request", json.GetProperty("type").GetString());
        Assert.Contains(messagePart, json.GetProperty("message").GetString());
        Assert.Empty(await QueuedForChannelAsync());
    }

    [Fact]
    public async Task Authorization_without_a_channel_id_is_400_and_records_nothing()
    {
        var response = await Host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", "{\"type\":\"authorization\",\"payload\":{}}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("channel_id", (await JsonAsync(response)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Wrong_secret_is_401_and_queues_nothing()
    {
        var response = await Host.SendSignedAsync(HttpMethod.Post, ChannelPath, FrontPayloads.MessageImported("msg_1", "cnv_1"), secret: "forged");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await QueuedForChannelAsync());
    }

    [Fact]
    public async Task Stale_timestamp_is_401_and_queues_nothing()
    {
        var response = await Host.SendSignedAsync(
            HttpMethod.Post, ChannelPath, FrontPayloads.MessageImported("msg_1", "cnv_1"), signedAt: DateTimeOffset.UtcNow.AddMinutes(-6));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await QueuedForChannelAsync());
    }

    [Fact]
    public async Task Unsigned_request_is_401_and_records_nothing()
    {
        var response = await Host.Http.PostAsync("/api/front/channels", new StringContent(FrontPayloads.Authorization(ChannelId), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var row = await ChannelsTable.GetEntityIfExistsAsync<TableEntity>("channel", ChannelId);
        Assert.False(row.HasValue);
    }

    [Fact]
    public async Task Forged_delete_is_401_and_leaves_the_channel_active()
    {
        await Host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization(ChannelId));

        var response = await Host.SendSignedAsync(HttpMethod.Delete, ChannelPath, null, secret: "forged");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var row = await ChannelsTable.GetEntityAsync<TableEntity>("channel", ChannelId);
        Assert.Equal("Active", row.Value.GetString("Status"));
    }

    [Fact]
    public async Task Body_over_one_MiB_is_413_and_queues_nothing()
    {
        var body = FrontPayloads.MessageImported("msg_huge", "cnv_1", body: new string('x', 1024 * 1024));

        var response = await Host.SendSignedAsync(HttpMethod.Post, ChannelPath, body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await QueuedForChannelAsync());
    }

    [Fact]
    public async Task Chunked_body_over_one_MiB_is_413_without_a_content_length()
    {
        var content = new StreamContent(new MemoryStream(new byte[(1024 * 1024) + 10]));
        var request = new HttpRequestMessage(HttpMethod.Post, ChannelPath) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await Host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/front/channels")]
    [InlineData("PUT", "/api/front/channels")]
    [InlineData("DELETE", "/api/front/channels")]
    [InlineData("GET", "/api/front/channels/cha_1")]
    [InlineData("PATCH", "/api/front/channels/cha_1")]
    public async Task Wrong_method_is_405(string method, string path)
    {
        var response = await Host.SendSignedAsync(new HttpMethod(method), path, "{}");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Channel_id_that_is_not_a_front_id_is_400()
    {
        var response = await Host.SendSignedAsync(HttpMethod.Post, "/api/front/channels/not-a-channel", FrontPayloads.MessageImported("msg_1", "cnv_1"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}

/// <summary>No secret, signature or message body ever reaches a log line, whatever the request.</summary>
[Collection(SharedQueueCollection.Name)]
public sealed class WebhookLoggingTests
{
    [Fact]
    public async Task Neither_secrets_nor_message_bodies_are_logged()
    {
        await using var host = await RunningLocalHost.StartAsync();
        var channel = TestStorage.NewChannelId();
        const string body = "TOP-SECRET-CUSTOMER-TEXT";
        var imported = FrontPayloads.MessageImported("msg_logged", "cnv_1", body: body);

        await host.SendSignedAsync(HttpMethod.Post, $"/api/front/channels/{channel}", imported);
        await host.SendSignedAsync(HttpMethod.Post, $"/api/front/channels/{channel}", imported, secret: "forged");
        await host.SendSignedAsync(HttpMethod.Post, $"/api/front/channels/{channel}", imported[..^5]);
        await host.SendSignedAsync(HttpMethod.Post, $"/api/front/channels/{channel}", "{\"type\":\"" + body + "\",\"payload\":{}}");

        Assert.Contains(host.Logs.Lines, l => l.Contains("msg_logged", StringComparison.Ordinal)); // the capture works
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(body, StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(RunningLocalHost.AppSecret, StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(RunningLocalHost.PreviousAppSecret, StringComparison.Ordinal));
    }
}
