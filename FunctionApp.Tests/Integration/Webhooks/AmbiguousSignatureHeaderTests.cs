using System.Text;
using System.Text.Json;
using FrontFunctions.TestSupport;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Webhooks;

/// <summary>
/// A security header given more than once (two header lines, or one comma-joined list, which HTTP treats as the same
/// thing) is refused with 401: the app never picks one of the values.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class AmbiguousSignatureHeaderTests : WebhookTest
{
    public static TheoryData<string, string[]> Repeated => new()
    {
        { "signature twice, right value first", ["X-Front-Signature: {right}", "X-Front-Signature: {wrong}", "X-Front-Request-Timestamp: {ts}"] },
        { "signature twice, wrong value first", ["X-Front-Signature: {wrong}", "X-Front-Signature: {right}", "X-Front-Request-Timestamp: {ts}"] },
        { "signature twice, both right", ["X-Front-Signature: {right}", "X-Front-Signature: {right}", "X-Front-Request-Timestamp: {ts}"] },
        { "timestamp twice, right value first", ["X-Front-Signature: {right}", "X-Front-Request-Timestamp: {ts}", "X-Front-Request-Timestamp: {old}"] },
        { "timestamp twice, both the same", ["X-Front-Signature: {right}", "X-Front-Request-Timestamp: {ts}", "X-Front-Request-Timestamp: {ts}"] },
        { "signature as a comma-joined list", ["X-Front-Signature: {right}, {wrong}", "X-Front-Request-Timestamp: {ts}"] },
        { "signature as a list without a space", ["X-Front-Signature: {right},{right}", "X-Front-Request-Timestamp: {ts}"] },
        { "timestamp as a comma-joined list", ["X-Front-Signature: {right}", "X-Front-Request-Timestamp: {ts}, {ts}"] },
        { "header names in another case", ["x-front-signature: {right}", "X-FRONT-SIGNATURE: {wrong}", "X-Front-Request-Timestamp: {ts}"] },
    };

    [Theory]
    [MemberData(nameof(Repeated))]
    public async Task Security_header_given_more_than_once_is_401_and_queues_nothing(string _, string[] headerLines)
    {
        var body = Encoding.UTF8.GetBytes(FrontPayloads.MessageImported("msg_1", "cnv_1"));
        var timestamp = FrontWebhookSigner.Timestamp();
        var right = SignedRequests.Signature(timestamp, body);
        var wrong = SignedRequests.Signature(timestamp, body, secret: "forged");
        var old = FrontWebhookSigner.Timestamp(DateTimeOffset.UtcNow.AddSeconds(-30));
        var lines = new List<string>
        {
            $"POST /api/front/channels/{ChannelId} HTTP/1.1",
            $"Host: {Host.BaseUrl.Authority}",
            "Connection: close",
            "Content-Type: application/json",
            $"Content-Length: {body.Length}",
        };
        lines.AddRange(headerLines.Select(l => l.Replace("{right}", right, StringComparison.Ordinal).Replace("{wrong}", wrong, StringComparison.Ordinal)
            .Replace("{ts}", timestamp, StringComparison.Ordinal).Replace("{old}", old, StringComparison.Ordinal)));

        var answer = await RawHttp.SendAsync(Host.BaseUrl, lines, body);

        Assert.True(answer.StatusCode == 401, $"Expected 401, got {answer.StatusCode}: {answer.Body}");
        Assert.Contains("more than once", JsonDocument.Parse(answer.Body).RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        var peeked = await IngestQueue.PeekMessagesAsync(maxMessages: 32);
        Assert.DoesNotContain(peeked.Value, m => m.Body.ToString().Contains(ChannelId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_request_with_each_header_once_is_accepted()
    {
        var body = Encoding.UTF8.GetBytes(FrontPayloads.MessageImported("msg_1", "cnv_1"));
        var timestamp = FrontWebhookSigner.Timestamp();

        var answer = await RawHttp.SendAsync(Host.BaseUrl, "POST", $"/api/front/channels/{ChannelId}",
            [("Content-Type", "application/json"), ("X-Front-Signature", SignedRequests.Signature(timestamp, body)), ("X-Front-Request-Timestamp", timestamp)],
            body);

        Assert.True(answer.StatusCode == 200, $"Expected 200, got {answer.StatusCode}: {answer.Body}");
    }
}
