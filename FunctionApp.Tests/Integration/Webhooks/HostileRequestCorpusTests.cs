using System.Globalization;
using System.IO.Compression;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.Storage;
using FrontFunctions.TestSupport;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Webhooks;

/// <summary>
/// A table of hostile requests, each written byte for byte on a socket to the local host (real Kestrel, real Azurite):
/// each gets its expected answer, leaves nothing on the ingest queue and no row in any table, and the host still answers
/// afterwards. Every case uses a channel id of its own, so "nothing written" is checked for exactly that case.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class HostileRequestCorpusTests(HostileRequestCorpusTests.HostFixture fixture) : IClassFixture<HostileRequestCorpusTests.HostFixture>
{
    public sealed class HostFixture : IAsyncLifetime
    {
        public RunningLocalHost Host { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Host = await RunningLocalHost.StartAsync();
            var queue = TestStorage.Queues().GetQueueClient(StorageNames.IngestQueue);
            await queue.CreateIfNotExistsAsync();
            await queue.ClearMessagesAsync();
        }

        public async Task DisposeAsync() => await Host.DisposeAsync();
    }

    /// <summary>What a case builds its request from: its own channel id and the host's address.</summary>
    public sealed record Target(string ChannelId, Uri BaseUrl)
    {
        public string ChannelPath => $"/api/front/channels/{ChannelId}";
    }

    private sealed record Case(int Status, Func<Target, byte[]> Build);

    private const string AppPath = "/api/front/channels";
    private static readonly string Key = RunningLocalHost.FunctionKey;

    private static string Imported(Target t, string messageId = "msg_1") => FrontPayloads.MessageImported(messageId, "cnv_1", ["ext-" + t.ChannelId]);

    private static string Link(string conversation) => $"{{\"related\":{{\"conversation\":\"{conversation}\"}}}}";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Splice(string json, string after, params byte[] raw)
    {
        var at = json.IndexOf(after, StringComparison.Ordinal) + after.Length;
        return SignedRequests.Bytes(json[..at], raw, json[at..]);
    }

    /// <summary>A request; Host, Connection: close and Content-Length (when there is a body and none is given) added.</summary>
    private static byte[] Request(Target t, string method, string path, byte[]? body, params string[] headers)
    {
        var lines = new List<string> { $"{method} {path} HTTP/1.1", $"Host: {t.BaseUrl.Authority}", "Connection: close" };
        if (body is not null && !headers.Any(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase) || h.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase)))
        {
            lines.Add("Content-Length: " + body.Length.ToString(CultureInfo.InvariantCulture));
        }

        lines.AddRange(headers);
        return [.. Encoding.Latin1.GetBytes(string.Join("\r\n", lines) + "\r\n\r\n"), .. body ?? []];
    }

    /// <summary>Signed as Front signs (the literal "undefined" for no body), JSON content type unless headers say otherwise.</summary>
    private static byte[] Signed(Target t, string method, string path, byte[]? body, params string[] headers)
    {
        var timestamp = FrontWebhookSigner.Timestamp();
        var all = new List<string>
        {
            "X-Front-Request-Timestamp: " + timestamp,
            "X-Front-Signature: " + SignedRequests.Signature(timestamp, body),
        };
        if (body is not null && !headers.Any(h => h.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase)))
        {
            all.Add("Content-Type: application/json");
        }

        all.AddRange(headers);
        return Request(t, method, path, body, [.. all]);
    }

    private static byte[] Post(Target t, byte[] body, params string[] headers) => Signed(t, "POST", t.ChannelPath, body, headers);

    private static byte[] Post(Target t, string body, params string[] headers) => Post(t, Utf8(body), headers);

    /// <summary>Signature headers as given, over the body as given.</summary>
    private static byte[] WithHeaders(Target t, string body, params string[] headers) =>
        Request(t, "POST", t.ChannelPath, Utf8(body), ["Content-Type: application/json", .. headers]);

    private static string Ts(int minutes = 0) => FrontWebhookSigner.Timestamp(DateTimeOffset.UtcNow.AddMinutes(minutes));

    private static string Sig(string timestamp, string body, string secret = RunningLocalHost.AppSecret) => SignedRequests.Signature(timestamp, Utf8(body), secret);

    private static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(Utf8(text));
        }

        return output.ToArray();
    }

    private static byte[] Lookup(Target t, string pathAndQuery, string? key = null) =>
        Request(t, "GET", pathAndQuery.Replace("{ch}", t.ChannelId, StringComparison.Ordinal), null, key is null ? [] : ["x-functions-key: " + key]);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // --- signature and its headers: 401 ---
        ["no signature headers"] = new(401, t => WithHeaders(t, Imported(t))),
        ["signature without timestamp"] = new(401, t => WithHeaders(t, Imported(t), "X-Front-Signature: " + Sig(Ts(), Imported(t)))),
        ["timestamp without signature"] = new(401, t => WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + Ts())),
        ["empty signature header"] = new(401, t => WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + Ts(), "X-Front-Signature: ")),
        ["wrong secret"] = new(401, t => { var ts = Ts(); return WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + ts, "X-Front-Signature: " + Sig(ts, Imported(t), "forged")); }),
        ["signed with the App UID as secret"] = new(401, t => { var ts = Ts(); return WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + ts, "X-Front-Signature: " + Sig(ts, Imported(t), RunningLocalHost.AppUid)); }),
        ["stale timestamp (6 min old)"] = new(401, t => { var ts = Ts(-6); return WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + ts, "X-Front-Signature: " + Sig(ts, Imported(t))); }),
        ["future timestamp (6 min ahead)"] = new(401, t => { var ts = Ts(6); return WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + ts, "X-Front-Signature: " + Sig(ts, Imported(t))); }),
        ["timestamp in seconds"] = new(401, t => { var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture); return WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + ts, "X-Front-Signature: " + Sig(ts, Imported(t))); }),
        ["negative timestamp"] = new(401, t => WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: -1", "X-Front-Signature: " + Sig("-1", Imported(t)))),
        ["timestamp in exponent form"] = new(401, t => WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: 1.7e12", "X-Front-Signature: " + Sig("1.7e12", Imported(t)))),
        ["timestamp of 30 digits"] = new(401, t => WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + new string('9', 30), "X-Front-Signature: " + Sig(new string('9', 30), Imported(t)))),
        ["signature not base64"] = new(401, t => WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + Ts(), "X-Front-Signature: !!!not-base64!!!")),
        ["signature of 16 bytes"] = new(401, t => WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + Ts(), "X-Front-Signature: " + Convert.ToBase64String(new byte[16]))),
        ["signature in hex"] = new(401, t => { var ts = Ts(); return WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + ts, "X-Front-Signature: " + Convert.ToHexString(Convert.FromBase64String(Sig(ts, Imported(t))))); }),
        ["signature twice, right first"] = new(401, t => { var ts = Ts(); return WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + ts, "X-Front-Signature: " + Sig(ts, Imported(t)), "X-Front-Signature: " + Sig(ts, Imported(t), "forged")); }),
        ["signature twice, both right"] = new(401, t => { var ts = Ts(); return WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + ts, "X-Front-Signature: " + Sig(ts, Imported(t)), "X-Front-Signature: " + Sig(ts, Imported(t))); }),
        ["timestamp twice"] = new(401, t => { var ts = Ts(); return WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + ts, "X-Front-Request-Timestamp: " + ts, "X-Front-Signature: " + Sig(ts, Imported(t))); }),
        ["signature as a comma list"] = new(401, t => { var ts = Ts(); return WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + ts, $"X-Front-Signature: {Sig(ts, Imported(t))}, {Sig(ts, Imported(t))}"); }),
        ["signature over a re-serialised body"] = new(401, t => { var ts = Ts(); return WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + ts, "X-Front-Signature: " + Sig(ts, Imported(t).Replace(",", ", ", StringComparison.Ordinal))); }),
        ["signature over the body without the timestamp"] = new(401, t => WithHeaders(t, Imported(t), "X-Front-Request-Timestamp: " + Ts(),
            "X-Front-Signature: " + Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(Utf8(RunningLocalHost.AppSecret), Utf8(Imported(t)))))),
        ["empty delete signed over the empty string"] = new(401, t => { var ts = Ts(); return Request(t, "DELETE", t.ChannelPath, null, "X-Front-Request-Timestamp: " + ts, "X-Front-Signature: " + Sig(ts, "")); }),
        ["unsigned authorization"] = new(401, t => Request(t, "POST", AppPath, Utf8(FrontPayloads.Authorization(t.ChannelId)), "Content-Type: application/json")),
        ["unsigned delete"] = new(401, t => Request(t, "DELETE", t.ChannelPath, null)),

        // --- bodies that are not UTF-8 JSON text, or ambiguous: 400 ---
        ["invalid UTF-8 byte in an external id"] = new(400, t => Post(t, Splice(Imported(t), "ext-", 0xFF))),
        ["UTF-8-encoded lone surrogate"] = new(400, t => Post(t, Splice(Imported(t), "Hello", 0xED, 0xA0, 0x80))),
        ["overlong encoding in the message id"] = new(400, t => Post(t, Splice(Imported(t), "msg_", 0xC0, 0xAF))),
        ["overlong encoding in the type"] = new(400, t => Post(t, Splice(Imported(t), "message_", 0xE0, 0x80, 0xAF))),
        ["UTF-8 byte order mark"] = new(400, t => Post(t, SignedRequests.Bytes(new byte[] { 0xEF, 0xBB, 0xBF }, Imported(t)))),
        ["escaped lone surrogate in the id"] = new(400, t => Post(t, Imported(t).Replace("msg_1", "msg_\\ud800", StringComparison.Ordinal))),
        ["two type keys"] = new(400, t => Post(t, Imported(t).Replace("\"type\":\"message_imported\"", "\"type\":\"message_imported\",\"type\":\"authorization\"", StringComparison.Ordinal))),
        ["two payload ids"] = new(400, t => Post(t, Imported(t).Replace("\"id\":\"msg_1\"", "\"id\":\"msg_1\",\"id\":\"msg_2\"", StringComparison.Ordinal))),
        ["the same key spelled with an escape"] = new(400, t => Post(t, Imported(t).Replace("\"id\":\"msg_1\"", "\"id\":\"msg_1\",\"\\u0069d\":\"msg_2\"", StringComparison.Ordinal))),
        ["authorization with two channel ids"] = new(400, t => Signed(t, "POST", AppPath, Utf8($"{{\"type\":\"authorization\",\"payload\":{{\"channel_id\":\"{t.ChannelId}\",\"channel_id\":\"{t.ChannelId}x\"}}}}"))),
        ["truncated JSON"] = new(400, t => Post(t, Imported(t)[..^7])),
        ["empty POST body"] = new(400, t => Post(t, Array.Empty<byte>())),
        ["JSON null"] = new(400, t => Post(t, "null")),
        ["JSON array"] = new(400, t => Post(t, "[{\"type\":\"message_imported\"}]")),
        ["JSON string"] = new(400, t => Post(t, "\"message_imported\"")),
        ["huge number as the whole body"] = new(400, t => Post(t, "1e999999")),
        ["nested 10000 deep"] = new(400, t => Post(t, "{\"type\":\"message_imported\",\"payload\":" + new string('[', 10_000) + new string(']', 10_000) + "}")),
        ["payload is an array"] = new(400, t => Post(t, "{\"type\":\"message_imported\",\"payload\":[]}")),
        ["type is a number"] = new(400, t => Post(t, "{\"type\":12345678901234567890,\"payload\":{}}")),
        ["type is empty"] = new(400, t => Post(t, "{\"type\":\"\",\"payload\":{}}")),
        ["type of 100 000 characters"] = new(400, t => Post(t, "{\"type\":\"" + new string('t', 100_000) + "\",\"payload\":{}}")),
        ["unknown type"] = new(400, t => Post(t, "{\"type\":\"message_deleted\",\"payload\":{}}")),
        ["message id that is a conversation id"] = new(400, t => Post(t, Imported(t, "cnv_1"))),
        ["message id with path traversal"] = new(400, t => Post(t, Imported(t, "msg_../../x"))),
        ["message id of 10 000 characters"] = new(400, t => Post(t, Imported(t, "msg_" + new string('a', 10_000)))),
        ["message id as a huge number"] = new(400, t => Post(t, "{\"type\":\"message_imported\",\"payload\":{\"id\":1e999,\"_links\":" + Link("https://api2.frontapp.com/conversations/cnv_1") + "}}")),
        ["conversation link without a conversation"] = new(400, t => Post(t, "{\"type\":\"message_imported\",\"payload\":{\"id\":\"msg_1\",\"_links\":" + Link("https://api2.frontapp.com/teammates/tea_1") + "}}")),
        ["javascript: conversation link"] = new(400, t => Post(t, "{\"type\":\"message_imported\",\"payload\":{\"id\":\"msg_1\",\"_links\":" + Link("javascript:alert(1)") + "}}")),
        ["metadata is a string"] = new(400, t => Post(t, "{\"type\":\"message_imported\",\"metadata\":\"x\",\"payload\":{\"id\":\"msg_1\",\"_links\":" + Link("https://api2.frontapp.com/conversations/cnv_1") + "}}")),
        ["NUL byte between tokens"] = new(400, t => Post(t, Splice(Imported(t), "{", 0x00))),
        ["raw control character inside a string"] = new(400, t => Post(t, Splice(Imported(t), "Hello", 0x01))),
        ["authorization sent to a channel URL"] = new(400, t => Post(t, FrontPayloads.Authorization(t.ChannelId))),
        ["delete naming another channel"] = new(400, t => Signed(t, "DELETE", t.ChannelPath, Utf8(FrontPayloads.Delete("cha_someoneelse")))),
        ["authorization for a channel id with a slash"] = new(400, t => Signed(t, "POST", AppPath, Utf8(FrontPayloads.Authorization(t.ChannelId + "/../x")))),
        ["channel URL with a message id"] = new(400, t => Signed(t, "POST", "/api/front/channels/msg_" + t.ChannelId[4..], Utf8(Imported(t)))),
        ["channel URL with 300 characters"] = new(400, t => Signed(t, "POST", "/api/front/channels/" + t.ChannelId + new string('a', 300), Utf8(Imported(t)))),

        // --- bodies not declared as identity-encoded UTF-8 JSON: 415 ---
        ["text/plain"] = new(415, t => Post(t, Imported(t), "Content-Type: text/plain")),
        ["form-urlencoded"] = new(415, t => Post(t, Imported(t), "Content-Type: application/x-www-form-urlencoded")),
        ["multipart"] = new(415, t => Post(t, Imported(t), "Content-Type: multipart/form-data; boundary=b")),
        ["JSON declared as UTF-16"] = new(415, t => Post(t, Encoding.Unicode.GetBytes(Imported(t)), "Content-Type: application/json; charset=utf-16")),
        ["two content types"] = new(415, t => Post(t, Imported(t), "Content-Type: application/json", "Content-Type: text/plain")),
        ["gzip"] = new(415, t => Post(t, Gzip(Imported(t)), "Content-Encoding: gzip")),
        ["brotli"] = new(415, t => Post(t, Imported(t), "Content-Encoding: br")),

        // --- size: 413 ---
        ["body of 1 MiB + 1"] = new(413, t => Post(t, "{\"type\":\"message_imported\",\"payload\":{\"body\":\"" + new string('x', (1024 * 1024) - 44) + "\"}}")),
        ["Content-Length of 2 GiB"] = new(413, t => Request(t, "POST", t.ChannelPath, Utf8("{}"), "Content-Length: 2147483648", "Content-Type: application/json")),
        ["chunked body over 1 MiB"] = new(413, t => Request(t, "POST", t.ChannelPath,
            [.. Encoding.ASCII.GetBytes("110000\r\n"), .. new byte[0x110000], .. Encoding.ASCII.GetBytes("\r\n0\r\n\r\n")], "Transfer-Encoding: chunked")),

        // --- method: 405 ---
        ["PUT on a channel URL"] = new(405, t => Signed(t, "PUT", t.ChannelPath, Utf8(Imported(t)))),
        ["GET on the app URL"] = new(405, t => Signed(t, "GET", AppPath, null)),

        // --- HTTP framing Kestrel refuses itself: 400 ---
        ["Content-Length not a number"] = new(400, t => Request(t, "POST", t.ChannelPath, Utf8("{}"), "Content-Length: abc")),
        ["control character in a signature header"] = new(401, t => Request(t, "POST", t.ChannelPath, Utf8("{}"), "X-Front-Signature: a\u0001b")), // Kestrel passes it on; the signature check refuses it

        // --- lookup API ---
        ["lookup without the function key"] = new(401, t => Lookup(t, "/api/map/{ch}/messages?external_id=x")),
        ["lookup with a wrong function key"] = new(401, t => Lookup(t, "/api/map/{ch}/messages?external_id=x", "wrong-key")),
        ["lookup with both parameters"] = new(400, t => Lookup(t, "/api/map/{ch}/messages?external_id=x&front_id=msg_1", Key)),
        ["lookup with the parameter twice"] = new(400, t => Lookup(t, "/api/map/{ch}/conversations?external_id=a&external_id=b", Key)),
        ["lookup external id of 201 characters"] = new(400, t => Lookup(t, "/api/map/{ch}/messages?external_id=" + new string('e', 201), Key)),
        ["lookup front id with path traversal"] = new(400, t => Lookup(t, "/api/map/{ch}/messages?front_id=msg_..%2F..%2Fx", Key)),
        ["lookup with a channel id that is not one"] = new(400, t => Lookup(t, "/api/map/not-a-channel/messages?external_id=x", Key)),
        ["lookup with percent-encoded invalid UTF-8"] = new(404, t => Lookup(t, "/api/map/{ch}/messages?external_id=%ED%A0%80%FF%C0%AF", Key)),
        ["lookup with an encoded NUL"] = new(404, t => Lookup(t, "/api/map/{ch}/conversations?external_id=%00", Key)),
        ["lookup with broken percent-encoding"] = new(404, t => Lookup(t, "/api/map/{ch}/messages?external_id=%E%%GG", Key)),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Fact]
    public void The_corpus_holds_at_least_60_hostile_requests() => Assert.True(Cases.Count >= 60, $"{Cases.Count} cases.");

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Hostile_request_gets_its_answer_and_writes_nothing(string name)
    {
        var host = fixture.Host;
        var target = new Target(TestStorage.NewChannelId(), host.BaseUrl);

        var answer = await RawHttp.SendBytesAsync(host.BaseUrl, Cases[name].Build(target));

        Assert.True(answer.StatusCode == Cases[name].Status, $"{name}: expected {Cases[name].Status}, got {answer.StatusCode}: {answer.Body}");
        var queued = await TestStorage.Queues().GetQueueClient(StorageNames.IngestQueue).PeekMessagesAsync(maxMessages: 32);
        Assert.DoesNotContain(queued.Value, m => m.Body.ToString().Contains(target.ChannelId, StringComparison.Ordinal));
        var tables = TestStorage.Tables();
        foreach (var table in new[] { StorageNames.ChannelsTable, StorageNames.IdMapTable, StorageNames.FailuresTable })
        {
            var rows = tables.GetTableClient(table).QueryAsync<TableEntity>(e => e.PartitionKey == target.ChannelId || e.RowKey == target.ChannelId || e.RowKey == target.ChannelId + "x", maxPerPage: 1);
            await foreach (var row in rows)
            {
                Assert.Fail($"{name}: a row was written to {table}: {row.PartitionKey}/{row.RowKey}");
            }
        }

        // The host is still up and still reaches storage.
        var probe = await host.Http.GetAsync($"/api/map/{target.ChannelId}/messages?external_id=probe&code={RunningLocalHost.FunctionKey}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, probe.StatusCode);
    }
}
