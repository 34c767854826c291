using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Webhooks;

/// <summary>
/// Correctly signed bodies that are not UTF-8 JSON as RFC 8259 §8.1 requires between systems (invalid bytes, encoded
/// surrogates, overlong encodings, a byte order mark), envelopes with duplicate keys (different parsers would read different
/// values), and bodies declared as something other than identity-encoded JSON: each refused before anything is written.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class WebhookBodyEncodingTests : WebhookTest
{
    private static readonly byte[] InvalidByte = [0xFF];
    private static readonly byte[] EncodedLoneSurrogate = [0xED, 0xA0, 0x80]; // U+D800 encoded as if it were a scalar value
    private static readonly byte[] OverlongSlash = [0xC0, 0xAF];              // '/' in two bytes
    private static readonly byte[] OverlongThreeBytes = [0xE0, 0x80, 0xAF];   // '/' in three bytes
    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    private static string Imported(string messageId = "msg_1", string externalConversationId = "ext-conv-1") =>
        FrontPayloads.MessageImported(messageId, "cnv_1", [externalConversationId]);

    public static TheoryData<string, byte[], string> NotUtf8Bodies => new()
    {
        { "invalid byte in an external id", Splice(Imported(externalConversationId: "ext-x"), "ext-", InvalidByte), "not valid UTF-8" },
        { "encoded lone surrogate in the text", Splice(Imported(), "Hello", EncodedLoneSurrogate), "not valid UTF-8" },
        { "overlong encoding in the message id", Splice(Imported(messageId: "msg_ab"), "msg_a", OverlongSlash), "not valid UTF-8" },
        { "three-byte overlong in the type", Splice(Imported(), "message_imp", OverlongThreeBytes), "not valid UTF-8" },
        { "truncated multi-byte sequence at the end", SignedRequests.Bytes(Imported(), new byte[] { 0xE2, 0x82 }), "not valid UTF-8" },
        { "byte order mark", SignedRequests.Bytes(ByteOrderMark, Imported()), "byte order mark" },
    };

    /// <summary>The JSON text with <paramref name="raw"/> inserted right after the first <paramref name="after"/>.</summary>
    private static byte[] Splice(string json, string after, byte[] raw)
    {
        var at = json.IndexOf(after, StringComparison.Ordinal) + after.Length;
        return SignedRequests.Bytes(json[..at], raw, json[at..]);
    }

    [Theory]
    [MemberData(nameof(NotUtf8Bodies))]
    public async Task Signed_body_that_is_not_UTF8_is_400_naming_the_problem_and_queues_nothing(string _, byte[] body, string messagePart)
    {
        var response = await Host.Http.SendAsync(SignedRequests.Create(HttpMethod.Post, ChannelPath, body));

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "bad_request", messagePart);
    }

    public static TheoryData<string, string> DuplicateKeyBodies => new()
    {
        { "two type keys", "{\"type\":\"message_imported\",\"type\":\"authorization\",\"payload\":{\"id\":\"msg_1\",\"_links\":{\"related\":{\"conversation\":\"https://api2.frontapp.com/conversations/cnv_1\"}}}}" },
        { "two payload ids", "{\"type\":\"message_imported\",\"payload\":{\"id\":\"msg_1\",\"id\":\"msg_2\",\"_links\":{\"related\":{\"conversation\":\"https://api2.frontapp.com/conversations/cnv_1\"}}}}" },
        { "the same key spelled with an escape", "{\"type\":\"message_imported\",\"payload\":{\"id\":\"msg_1\",\"\\u0069d\":\"msg_2\",\"_links\":{\"related\":{\"conversation\":\"https://api2.frontapp.com/conversations/cnv_1\"}}}}" },
        { "two conversation links", "{\"type\":\"message_imported\",\"payload\":{\"id\":\"msg_1\",\"_links\":{\"related\":{\"conversation\":\"https://api2.frontapp.com/conversations/cnv_1\",\"conversation\":\"https://api2.frontapp.com/conversations/cnv_2\"}}}}" },
        { "two metadata objects", "{\"type\":\"message_imported\",\"metadata\":{},\"payload\":{\"id\":\"msg_1\",\"_links\":{\"related\":{\"conversation\":\"https://api2.frontapp.com/conversations/cnv_1\"}}},\"metadata\":{\"external_conversation_ids\":[\"x\"]}}" },
        { "inside an array element", "{\"type\":\"message_imported\",\"payload\":{\"id\":\"msg_1\",\"attachments\":[{\"url\":\"a\",\"url\":\"b\"}],\"_links\":{\"related\":{\"conversation\":\"https://api2.frontapp.com/conversations/cnv_1\"}}}}" },
    };

    [Theory]
    [MemberData(nameof(DuplicateKeyBodies))]
    public async Task Envelope_with_duplicate_keys_is_400_and_queues_nothing(string _, string body)
    {
        var response = await Host.SendSignedAsync(HttpMethod.Post, ChannelPath, body);

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "bad_request", "duplicate");
    }

    public static TheoryData<string, string, string> OtherUnreadableBodies => new()
    {
        { "escaped lone high surrogate in the message id", "{\"type\":\"message_imported\",\"payload\":{\"id\":\"msg_\\ud800\",\"_links\":{\"related\":{\"conversation\":\"https://api2.frontapp.com/conversations/cnv_1\"}}}}", "lone surrogate" },
        { "escaped lone low surrogate in the type", "{\"type\":\"message_imported\\udc00\",\"payload\":{}}", "lone surrogate" },
        { "escaped lone surrogate in a key", "{\"type\":\"message_imported\",\"payload\":{\"\\ud800\":1,\"id\":\"msg_1\"}}", "lone surrogate" },
        { "nested 65 deep", "{\"type\":\"message_imported\",\"payload\":" + new string('[', 65) + new string(']', 65) + "}", "deeper than 64" },
    };

    [Theory]
    [MemberData(nameof(OtherUnreadableBodies))]
    public async Task Signed_body_that_is_not_Unicode_JSON_text_is_400_and_queues_nothing(string _, string body, string messagePart)
    {
        var response = await Host.SendSignedAsync(HttpMethod.Post, ChannelPath, body);

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "bad_request", messagePart);
    }

    [Fact]
    public async Task Authorization_with_two_channel_ids_is_400_and_records_no_channel()
    {
        var body = $"{{\"type\":\"authorization\",\"payload\":{{\"channel_id\":\"{ChannelId}\",\"channel_id\":\"cha_other\"}}}}";

        var response = await Host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", body);

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "bad_request", "duplicate");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/xml")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("not a media type")]
    public async Task Content_type_that_is_not_UTF8_JSON_is_415_and_queues_nothing(string contentType)
    {
        var request = SignedRequests.Create(HttpMethod.Post, ChannelPath, SignedRequests.Bytes(Imported()), contentType: contentType);

        var response = await Host.Http.SendAsync(request);

        await AssertRefusedAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", "Content-Type");
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    [InlineData("identity, gzip")]
    public async Task Content_encoding_other_than_identity_is_415_and_queues_nothing(string encoding)
    {
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(SignedRequests.Bytes(Imported()));
        }

        var request = SignedRequests.Create(HttpMethod.Post, ChannelPath, compressed.ToArray(), contentEncoding: encoding);

        var response = await Host.Http.SendAsync(request);

        await AssertRefusedAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", "Content-Encoding");
    }

    [Fact]
    public async Task Unsigned_request_with_a_wrong_content_type_is_401_first()
    {
        var request = SignedRequests.Create(HttpMethod.Post, ChannelPath, SignedRequests.Bytes(Imported()), contentType: "text/plain", secret: "forged");

        var response = await Host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    // What Front really sends is not documented (docs/front-channel-api.md): JSON with or without a charset, or no
    // Content-Type at all, must all still be accepted.
    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON; Charset=\"UTF-8\"")]
    [InlineData("application/json;charset=utf8")]
    [InlineData("application/vnd.front+json")]
    [InlineData(null)]
    public async Task Json_as_Front_may_label_it_is_queued(string? contentType)
    {
        var request = SignedRequests.Create(HttpMethod.Post, ChannelPath, SignedRequests.Bytes(Imported()), contentType: contentType, contentEncoding: "identity");

        var response = await Host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(await QueuedForChannelAsync());
    }

    [Fact]
    public async Task Unicode_that_is_valid_UTF8_is_queued_unchanged()
    {
        var body = Imported(externalConversationId: "ext/é#?\\ 𝄞 \u2028");

        var response = await Host.SendSignedAsync(HttpMethod.Post, ChannelPath, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var queued = Assert.Single(await QueuedForChannelAsync());
        Assert.Equal("ext/é#?\\ 𝄞 \u2028", queued.GetProperty("external_conversation_ids")[0].GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    public async Task Empty_delete_without_a_json_content_type_still_marks_the_channel_deleted(string? contentType)
    {
        await Host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization(ChannelId));
        var request = contentType is null
            ? SignedRequests.Create(HttpMethod.Delete, ChannelPath, null)
            : SignedRequests.Create(HttpMethod.Delete, ChannelPath, "undefined"u8.ToArray(), contentType: contentType);

        var response = await Host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var row = await ChannelsTable.GetEntityAsync<TableEntity>("channel", ChannelId);
        Assert.Equal("Deleted", row.Value.GetString("Status"));
    }

    private async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string type, string messagePart)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(type, json.GetProperty("type").GetString());
        Assert.Contains(messagePart, json.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await QueuedForChannelAsync());
        Assert.False((await ChannelsTable.GetEntityIfExistsAsync<TableEntity>("channel", ChannelId)).HasValue);
    }
}
