using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Storage.Queues;
using CsCheck;
using FrontFunctions.Functions;
using FrontFunctions.Ingest;
using FrontFunctions.Lookup;
using FrontFunctions.Storage;
using FrontFunctions.TestSupport;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using FrontFunctions.Webhooks;

namespace FrontFunctions.Tests.Integration.Webhooks;

/// <summary>
/// Property-based (CsCheck): whatever arrives — envelopes with random values, mutated envelopes (flipped, inserted and
/// deleted bytes, truncations, duplicated keys, a byte order mark), random bytes, deep nesting, huge numbers, long strings,
/// bodies over the limit, every kind of signature header — the webhook function answers one of 200, 400, 401, 413, 415,
/// never throws, and writes to storage (real Azurite, counted at the SDK pipeline) exactly when it answers 200.
/// The lookup functions likewise answer 200, 400 or 404 for any channel id and query string, and never write.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class WebhookFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly int[] WebhookAnswers = [200, 400, 401, 413, 415];
    private static readonly int[] LookupAnswers = [200, 400, 404];

    private readonly StorageWriteRecorder _writes = new();
    private FrontTestHost _host = null!;
    private FrontWebhookFunctions _webhooks = null!;

    public Task InitializeAsync()
    {
        _host = FrontTestHost.Create(configure: services =>
            services.AddAzureClients(clients => clients.ConfigureDefaults(o => o.AddPolicy(_writes, HttpPipelinePosition.PerCall))));
        _webhooks = new FrontWebhookFunctions(_host.Get<FrontWebhookHandler>(), _host.Get<FrontFunctions.Http.HttpEdge>());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        // The envelopes answered 200 were really queued: leave the shared queue as the other tests expect it.
        await TestStorage.Queues().GetQueueClient(StorageNames.IngestQueue).ClearMessagesAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Any_webhook_request_answers_200_400_401_413_or_415_and_writes_only_when_200()
    {
        var answered = new int[600];
        await GenWebhook.All.SampleAsync(async request =>
        {
            var before = _writes.Writes;
            var status = await InvokeAsync(request); // an exception fails the property
            var wrote = _writes.Writes - before;

            Assert.True(WebhookAnswers.Contains(status), $"Answered {status}.");
            Assert.True(status == 200 ? wrote > 0 : wrote == 0, $"Answered {status} after {wrote} storage write(s).");
            Interlocked.Increment(ref answered[status]);
        }, iter: 1500, threads: 1, print: r => r.ToString());

        output.WriteLine(string.Join(", ", WebhookAnswers.Select(status => $"{status}: {answered[status]}")));

        // The generator reaches every answer, so the property is not vacuous.
        Assert.All(WebhookAnswers, status => Assert.True(answered[status] > 0, $"No request answered {status}."));
    }

    [Fact]
    public async Task Any_lookup_request_answers_200_400_or_404_and_writes_nothing()
    {
        var lookups = new MapLookupFunctions(_host.Get<MapLookup>(), _host.Get<FrontFunctions.Http.HttpEdge>());
        var text = Gen.OneOf<string>(Gen.String[0, 30], Gen.String[Gen.Char["%&=+?#/\\ ~|xX0-_cha_msg_cnv_\u00e9\ud800\udc00"], 0, 60], Gen.Const(new string('x', 5000)));
        var gen = Gen.Select(Gen.OneOf<string>(Gen.Const("cha_1"), text), text, Gen.Bool);
        await gen.SampleAsync(async (channelId, query, messages) =>
        {
            var context = new DefaultHttpContext();
            context.Request.Method = "GET";
            context.Request.QueryString = new QueryString("?" + query);
            var before = _writes.Writes;

            var result = messages
                ? await lookups.LookupMessage(context.Request, channelId, CancellationToken.None)
                : await lookups.LookupConversation(context.Request, channelId, CancellationToken.None);

            var status = Assert.IsType<FrontFunctions.Http.HttpAnswer>(result).StatusCode;
            Assert.True(LookupAnswers.Contains(status), $"Answered {status}.");
            Assert.Equal(before, _writes.Writes);
        }, iter: 500, threads: 1);
    }

    private async Task<int> InvokeAsync(FuzzRequest fuzz)
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = fuzz.Method;
        request.Body = new MemoryStream(fuzz.Body);
        request.ContentLength = fuzz.DeclareLength ? fuzz.Body.Length : null;
        foreach (var (name, value) in fuzz.Headers)
        {
            request.Headers.Append(name, value);
        }

        var result = fuzz.ChannelId is null
            ? await _webhooks.AppWebhook(request, CancellationToken.None)
            : await _webhooks.ChannelWebhook(request, fuzz.ChannelId, CancellationToken.None);
        return Assert.IsType<FrontFunctions.Http.HttpAnswer>(result).StatusCode;
    }
}

/// <summary>One generated webhook request.</summary>
public sealed record FuzzRequest(string Kind, string Method, string? ChannelId, byte[] Body, bool DeclareLength, IReadOnlyList<(string Name, string Value)> Headers)
{
    public override string ToString()
    {
        var shown = Body.Length <= 400 ? Body : Body[..400];
        return $"{Kind} {Method} channel={ChannelId ?? "(app URL)"} {Body.Length} bytes [{string.Join("; ", Headers.Select(h => h.Name + ": " + h.Value))}] " +
               $"{Convert.ToHexString(shown)} \"{Encoding.UTF8.GetString(shown)}\"";
    }
}

/// <summary>Generators for <see cref="WebhookFuzzTests"/>.</summary>
internal static class GenWebhook
{
    private const string Secret = FrontTestHost.AppSecret;

    private static readonly Gen<string> AnyText = Gen.OneOf<string>(
        Gen.String[0, 20],                                              // any UTF-16, lone surrogates included
        Gen.String[Gen.Char["abc_-/#?\\ \"\u00e9\u2028\ud83d\ude00"], 0, 40],
        Gen.Int[0, 5000].Select(n => new string('y', n)));             // long strings

    private static readonly Gen<string> Id = Gen.OneOf<string>(
        Gen.String[Gen.Char["abcdef0123456789"], 1, 12].Select(s => "msg_" + s),
        Gen.String[Gen.Char["abcdef0123456789"], 1, 12].Select(s => "cnv_" + s),
        AnyText);

    private static readonly Gen<string> Number = Gen.OneOf<string>(
        Gen.Long.Select(n => n.ToString(CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "0"),
        Gen.OneOf("1e999999", "-1e-999999", "123456789012345678901234567890123456789", "0.000000000000000000000000000001", new string('9', 3000)));

    /// <summary>A JSON value: strings, numbers, literals, arrays and objects nested a few levels.</summary>
    private static readonly Gen<string> Value = Gen.Recursive<string>((depth, self) => depth >= 3
        ? Gen.OneOf<string>(AnyText.Select(Quote), Number, Gen.OneOf("true", "false", "null"))
        : Gen.Frequency(
            (4, AnyText.Select(Quote)),
            (2, Number),
            (1, Gen.OneOf("true", "false", "null")),
            (1, self.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Gen.Select(AnyText, self).Array[0, 4].Select(Object))));

    private static readonly Gen<string> Type = Gen.Frequency(
        (6, Gen.Const("message_imported")),
        (2, Gen.Const("authorization")),
        (2, Gen.Const("delete")),
        (1, AnyText));

    /// <summary>An envelope shaped like Front's, with random values in its fields (some missing, some extra).</summary>
    private static readonly Gen<string> Envelope = Gen.Select(
        Type,
        Id,
        Gen.Frequency((4, Id.Select(id => "https://api2.frontapp.com/conversations/" + id)), (1, AnyText)),
        Gen.Frequency((3, Gen.String[Gen.Char["abcdef0123456789"], 1, 12].Select(s => "cha_" + s)), (1, AnyText)),
        AnyText.Array[0, 4],
        Gen.Select(AnyText, Value).Array[0, 3],
        Gen.Int[0, 15])
        .Select((type, id, link, channelId, externalIds, extra, omit) =>
        {
            var payload = new List<(string, string)>();
            if ((omit & 1) == 0)
            {
                payload.Add(("id", Quote(id)));
            }

            if ((omit & 2) == 0)
            {
                payload.Add(("_links", Object([("related", Object([("conversation", Quote(link))]))])));
            }

            if ((omit & 4) == 0)
            {
                payload.Add(("channel_id", Quote(channelId)));
            }

            payload.AddRange(extra);
            var fields = new List<(string, string)> { ("type", Quote(type)), ("payload", Object(payload)) };
            if ((omit & 8) == 0)
            {
                fields.Add(("metadata", Object([("external_conversation_ids", "[" + string.Join(",", externalIds.Select(Quote)) + "]")])));
            }

            return Object(fields);
        });

    /// <summary>A message_imported Front could send: valid ids, any external ids and text (up to ~60 KB: blob offload).</summary>
    private static readonly Gen<string> Valid = Gen.Select(
        Gen.String[Gen.Char["abcdef0123456789"], 1, 12],
        AnyText.Array[0, 3],
        Gen.Frequency((5, AnyText), (1, Gen.Int[40_000, 60_000].Select(n => new string('b', n)))))
        .Select((id, externalIds, text) => FrontPayloads.MessageImported("msg_" + id, "cnv_" + id, [.. externalIds], body: text));

    /// <summary>A valid-looking envelope after up to five byte-level mutations.</summary>
    private static readonly Gen<byte[]> Mutated = Gen.Select(
        Gen.OneOf<string>(Envelope, Valid),
        Gen.Select(Gen.Int[0, 6], Gen.Int[0, int.MaxValue], Gen.Byte.Array[1, 4]).Array[1, 5])
        .Select((envelope, mutations) =>
        {
            var bytes = Encoding.UTF8.GetBytes(envelope).ToList();
            foreach (var (kind, at, raw) in mutations)
            {
                var i = bytes.Count == 0 ? 0 : at % bytes.Count;
                switch (kind)
                {
                    case 0 when bytes.Count > 0: bytes[i] ^= raw[0]; break;                         // flip bits
                    case 1: bytes.InsertRange(i, raw); break;                                       // insert bytes
                    case 2: bytes.RemoveRange(i, Math.Min(raw.Length, bytes.Count - i)); break;     // delete bytes
                    case 3: bytes.RemoveRange(i, bytes.Count - i); break;                           // truncate
                    case 4: bytes.InsertRange(0, [0xEF, 0xBB, 0xBF]); break;                        // byte order mark
                    case 5:                                                                         // repeat a key
                        var text = Encoding.UTF8.GetString([.. bytes]);
                        var key = text.IndexOf("\"id\":", StringComparison.Ordinal);
                        if (key >= 0)
                        {
                            bytes = Encoding.UTF8.GetBytes(text.Insert(key, "\"id\":\"msg_dup\",")).ToList();
                        }

                        break;
                    default: bytes.InsertRange(i, Encoding.UTF8.GetBytes(Quote("z") + ":")); break; // a stray key
                }
            }

            return bytes.ToArray();
        });

    private static readonly Gen<byte[]> DeepNesting = Gen.Select(Gen.Int[1, 3000], Gen.Bool).Select((depth, objects) =>
        Encoding.UTF8.GetBytes("{\"type\":\"message_imported\",\"payload\":" +
            (objects ? string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth) : new string('[', depth) + new string(']', depth)) + "}"));

    /// <summary>Bodies just over 1 MiB (413) and just under (still read and answered).</summary>
    private static readonly Gen<byte[]> NearTheLimit = Gen.Int[-64, 64].Select(delta =>
    {
        var pad = FrontFunctions.Http.RequestBody.MaxBodyBytes + delta - 60;
        return Encoding.UTF8.GetBytes("{\"type\":\"message_imported\",\"payload\":{\"body\":\"" + new string('x', pad) + "\"}}");
    });

    private static readonly Gen<byte[]> Body = Gen.Frequency(
        (6, Envelope.Select(e => Encoding.UTF8.GetBytes(e))),
        (3, Valid.Select(e => Encoding.UTF8.GetBytes(e))),
        (6, Mutated),
        (2, Gen.Byte.Array[0, 600]),
        (1, DeepNesting),
        (1, Gen.Const(Array.Empty<byte>())),
        (1, Gen.Const("undefined"u8.ToArray())),
        (1, NearTheLimit));

    private enum Signing { Right, WrongSecret, Stale, Future, Missing, Malformed, Repeated, RepeatedTimestamp, NoTimestamp }

    private static readonly Gen<Signing> SigningKind = Gen.Frequency(
        (20, Gen.Const(Signing.Right)),
        (1, Gen.Const(Signing.WrongSecret)), (1, Gen.Const(Signing.Stale)), (1, Gen.Const(Signing.Future)),
        (1, Gen.Const(Signing.Missing)), (1, Gen.Const(Signing.Malformed)), (1, Gen.Const(Signing.Repeated)),
        (1, Gen.Const(Signing.RepeatedTimestamp)), (1, Gen.Const(Signing.NoTimestamp)));

    private static readonly Gen<string?> ContentType = Gen.Frequency(
        (12, Gen.Const<string?>("application/json")),
        (2, Gen.Const<string?>((string?)null)),
        (2, Gen.OneOf<string?>("application/json; charset=utf-8", "text/plain", "application/json; charset=latin1", "application/x-www-form-urlencoded", "application/problem+json")),
        (1, AnyText.Select(s => (string?)s)));

    private static readonly Gen<string?> ContentEncoding = Gen.Frequency(
        (12, Gen.Const<string?>((string?)null)),
        (2, Gen.OneOf<string?>("identity", "gzip", "br", "identity, gzip")),
        (1, AnyText.Select(s => (string?)s)));

    private static readonly Gen<(string Method, string? ChannelId)> Target = Gen.Frequency(
        (8, Gen.Const(("POST", (string?)"cha_fuzz1"))),
        (2, Gen.Const(("DELETE", (string?)"cha_fuzz1"))),
        (3, Gen.Const(("POST", (string?)null))),
        (1, AnyText.Select(id => ("POST", (string?)id))));

    public static readonly Gen<FuzzRequest> All = Gen.Select(Target, Body, SigningKind, ContentType, ContentEncoding, Gen.Bool, AnyText)
        .Select((target, body, signing, contentType, contentEncoding, declareLength, junk) =>
        {
            var now = DateTimeOffset.UtcNow;
            var timestamp = FrontWebhookSigner.Timestamp(signing switch
            {
                Signing.Stale => now.AddMinutes(-6),
                Signing.Future => now.AddMinutes(6),
                _ => now,
            });
            // Front signs the literal "undefined" for an empty body.
            var signed = body.Length == 0 ? "undefined"u8.ToArray() : body;
            var signature = FrontWebhookSigner.Sign(signing == Signing.WrongSecret ? "forged" : Secret, timestamp, signed);
            var headers = new List<(string, string)>();
            switch (signing)
            {
                case Signing.Missing: break;
                case Signing.NoTimestamp: headers.Add(("X-Front-Signature", signature)); break;
                case Signing.Malformed: headers.Add(("X-Front-Signature", junk)); headers.Add(("X-Front-Request-Timestamp", timestamp)); break;
                case Signing.Repeated: headers.Add(("X-Front-Signature", signature)); headers.Add(("X-Front-Signature", signature)); headers.Add(("X-Front-Request-Timestamp", timestamp)); break;
                case Signing.RepeatedTimestamp: headers.Add(("X-Front-Signature", signature)); headers.Add(("X-Front-Request-Timestamp", timestamp)); headers.Add(("X-Front-Request-Timestamp", timestamp)); break;
                default: headers.Add(("X-Front-Signature", signature)); headers.Add(("X-Front-Request-Timestamp", timestamp)); break;
            }

            if (contentType is not null)
            {
                headers.Add(("Content-Type", contentType));
            }

            if (contentEncoding is not null)
            {
                headers.Add(("Content-Encoding", contentEncoding));
            }

            return new FuzzRequest(signing.ToString(), target.Method, target.ChannelId, body, declareLength, headers);
        });

    private static string Quote(string text) => JsonSerializer.Serialize(text);

    private static string Object(IEnumerable<(string Key, string Value)> fields) =>
        "{" + string.Join(",", fields.Select(f => Quote(f.Key) + ":" + f.Value)) + "}";
}
