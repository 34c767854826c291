using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.TestSupport;
using FrontSimulator.Control;

namespace FrontFunctions.Tests.Integration.Attachments;

/// <summary>
/// Issue 21 point 2, a teammate's reply with attachments: the partner's event lists each attachment with the app's
/// <c>download_url</c>, and that route streams the file from the simulator's download route with the channel token,
/// answering every class (unknown id, n out of range, deleted channel, Front's 403/404/429, over the cap) with a clear
/// status. Real simulator, local host, Azurite, loopback.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class AttachmentDownloadTests
{
    private static readonly byte[] Invoice = Encoding.UTF8.GetBytes("%PDF-1.4 an invoice, byte for byte");

    private static AttachmentSpec InvoiceSpec => new("invoice 7.pdf", "application/pdf", Invoice.Length) { Content = Convert.ToBase64String(Invoice) };

    [Fact]
    public async Task The_event_lists_each_attachment_with_a_download_url_that_streams_the_file_from_Front()
    {
        await using var p = await AttachmentPipeline.StartAsync(deliver: true);
        var externalId = await p.ReplyWithAsync(InvoiceSpec, new AttachmentSpec("photo.png", "image/png", 3000));

        // The outbound queue is shared with the other tests' hosts: pick this reply's event.
        var delivered = await Eventually.UntilAsync(
            () => Task.FromResult(p.Two.Partner.Received.FirstOrDefault(e => e.Body.Contains(JsonSerializer.Serialize(externalId), StringComparison.Ordinal))),
            "the reply delivered to the partner", TimeSpan.FromSeconds(20));
        var attachments = JsonDocument.Parse(delivered.Body).RootElement.GetProperty("data").GetProperty("attachments");
        Assert.Equal(2, attachments.GetArrayLength());
        var first = attachments[0];
        Assert.Equal("invoice 7.pdf", first.GetProperty("filename").GetString());
        Assert.Equal("application/pdf", first.GetProperty("content_type").GetString());
        Assert.Equal(Invoice.Length, first.GetProperty("size").GetInt64());
        var url = new Uri(first.GetProperty("download_url").GetString()!);
        Assert.Equal("https://front-functions.example.net" + AttachmentPipeline.PathOf(p.ChannelId, externalId, 0), url.GetLeftPart(UriPartial.Path));
        Assert.EndsWith("/attachments/1", attachments[1].GetProperty("download_url").GetString(), StringComparison.Ordinal);

        using var response = await p.DownloadAsync(externalId, 0);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Invoice.Length, response.Content.Headers.ContentLength);
        Assert.Equal("invoice 7.pdf", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(Invoice, await response.Content.ReadAsByteArrayAsync());
        var counters = await p.Sim.GetCountersAsync();
        Assert.Equal(1, Enrichment.EnrichmentPipeline.Calls(counters, "GET /messages/{message_id}/download/{attachment_link_id}", s => s == "200"));
    }

    [Fact]
    public async Task An_unknown_external_id_and_an_attachment_number_out_of_range_are_404_naming_what_is_missing()
    {
        await using var p = await AttachmentPipeline.StartAsync();
        var externalId = await p.ReplyWithAsync(InvoiceSpec);

        using var unknown = await p.DownloadAsync("no such/message", 0);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("\"no such/message\"", (await AttachmentPipeline.ErrorOf(unknown)).Message, StringComparison.Ordinal);

        using var outOfRange = await p.DownloadAsync(externalId, 1);
        Assert.Equal(HttpStatusCode.NotFound, outOfRange.StatusCode);
        Assert.Contains("has 1 attachment(s); 1 is out of range", (await AttachmentPipeline.ErrorOf(outOfRange)).Message, StringComparison.Ordinal);

        using var badChannel = await p.DownloadAsync(externalId, 0, channelId: "not-a-channel");
        Assert.Equal(HttpStatusCode.BadRequest, badChannel.StatusCode);
    }

    [Fact]
    public async Task A_deleted_channel_is_410()
    {
        await using var p = await AttachmentPipeline.StartAsync();
        var externalId = await p.ReplyWithAsync(InvoiceSpec);
        await p.Sim.DeleteChannelAsync(p.ChannelId); // the app marks it deleted only once Front no longer answers for it
        using var deleted = await p.Host.SendSignedAsync(HttpMethod.Delete, $"/api/front/channels/{p.ChannelId}", FrontPayloads.Delete(p.ChannelId));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        using var response = await p.DownloadAsync(externalId, 0);

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Equal("channel_deleted", (await AttachmentPipeline.ErrorOf(response)).Type);
    }

    [Fact]
    public async Task Front_refusing_the_channel_token_is_passed_on_as_403_and_Front_not_knowing_the_message_as_404()
    {
        await using var p = await AttachmentPipeline.StartAsync();
        var externalId = await p.ReplyWithAsync(InvoiceSpec);

        await p.Sim.SetAttachmentsForbiddenAsync(p.ChannelId, forbidden: true);
        using var forbidden = await p.DownloadAsync(externalId, 0);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var (type, message) = await AttachmentPipeline.ErrorOf(forbidden);
        Assert.Equal("front_forbidden", type);
        Assert.Contains("may not download this attachment", message, StringComparison.Ordinal); // Front's own message

        // Front forgets everything (the channel registered again): the map still knows the id, Front does not.
        await p.Sim.ResetAsync();
        await p.Sim.CreateChannelAsync(p.ChannelId, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, null);
        using var unknownToFront = await p.DownloadAsync(externalId, 0);
        Assert.Equal(HttpStatusCode.NotFound, unknownToFront.StatusCode);
        Assert.Equal("front_not_found", (await AttachmentPipeline.ErrorOf(unknownToFront)).Type);
    }

    [Fact]
    public async Task Front_still_rate_limiting_after_the_retries_is_503_with_retry_after()
    {
        await using var p = await AttachmentPipeline.StartAsync(new Dictionary<string, string?>
        {
            ["Front:MaxRetries"] = "1",
            ["Front:RetryBaseDelay"] = "00:00:00.010",
        });
        var externalId = await p.ReplyWithAsync(InvoiceSpec);
        await p.Sim.SetFaultsAsync(new FaultSettings { Burst429 = 50 });

        using var response = await p.DownloadAsync(externalId, 0);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        Assert.Equal("front_rate_limited", (await AttachmentPipeline.ErrorOf(response)).Type);
    }

    [Fact]
    public async Task A_file_over_the_size_cap_is_413_before_a_byte_is_downloaded()
    {
        await using var p = await AttachmentPipeline.StartAsync(new Dictionary<string, string?> { ["Attachments:MaxDownloadBytes"] = "1000" });
        var externalId = await p.ReplyWithAsync(new AttachmentSpec("big.bin", "application/octet-stream", 5000));

        using var response = await p.DownloadAsync(externalId, 0);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("5000 bytes", (await AttachmentPipeline.ErrorOf(response)).Message, StringComparison.Ordinal);
        var counters = await p.Sim.GetCountersAsync();
        Assert.Equal(0, Enrichment.EnrichmentPipeline.Calls(counters, "GET /messages/{message_id}/download/{attachment_link_id}"));
    }

    /// <summary>
    /// The simulator pauses the 20 MB download after its first megabyte until released. A relay that buffered the whole file
    /// could not hand the partner a single byte before the release; this one must hand it that first megabyte.
    /// </summary>
    [Fact]
    public async Task A_20_MB_download_is_streamed_the_partner_reads_the_first_megabyte_while_Front_is_still_sending()
    {
        const long size = 20L * 1024 * 1024;
        const int firstPart = 1024 * 1024;
        await using var p = await AttachmentPipeline.StartAsync();
        var externalId = await p.ReplyWithAsync(new AttachmentSpec("video.mp4", "video/mp4", size));
        await p.Sim.HoldDownloadsAsync(firstPart);
        try
        {
            using var response = await p.DownloadAsync(externalId, 0);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(size, response.Content.Headers.ContentLength);
            await using var stream = await response.Content.ReadAsStreamAsync();
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            long received = 0;
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            {
                while (received < firstPart)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, firstPart - received)), deadline.Token);
                    Assert.True(read > 0, "The stream ended before the first megabyte.");
                    hash.AppendData(buffer, 0, read);
                    received += read;
                }
            }

            await p.Sim.ReleaseDownloadsAsync();
            int more;
            while ((more = await stream.ReadAsync(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, more);
                received += more;
            }

            Assert.Equal(size, received);
            var held = (await p.Sim.GetAttachmentsAsync(p.ChannelId)).Sent.Single().Attachments.Single();
            Assert.Equal(held.Sha256, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        finally
        {
            await p.Sim.ReleaseDownloadsAsync();
        }
    }
}
