using System.Net;
using System.Text;
using Azure.Data.Tables;
using FrontFunctions.Storage;
using FrontFunctions.TestSupport;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.Tests.Integration.Enrichment;
using FrontSimulator;

namespace FrontFunctions.Tests.Integration.Webhooks;

/// <summary>
/// Issue 19 point 7: Front's signature covers the timestamp and the body, not the URL, so a captured request verifies at every
/// channel URL for 5 minutes. One accepted signature changes one thing: a DELETE deletes the channel it was first accepted
/// for, a message_imported maps into the channel it was first accepted for; the same signature elsewhere changes nothing.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class ReplayTests
{
    private static readonly TableClient Channels = TestStorage.Tables().GetTableClient(StorageNames.ChannelsTable);

    private static async Task<string?> StatusOfAsync(string channelId) =>
        (await Channels.GetEntityIfExistsAsync<TableEntity>("channel", channelId)).Value?.GetString("Status");

    private static HttpRequestMessage Signed(HttpMethod method, string channelId, string? body, DateTimeOffset signedAt) =>
        SignedRequests.Create(method, $"/api/front/channels/{channelId}", body is null ? null : Encoding.UTF8.GetBytes(body), signedAt: signedAt);

    [Fact]
    public async Task The_same_signed_DELETE_sent_to_two_channel_URLs_deletes_at_most_the_one_it_was_signed_for()
    {
        await using var host = await RunningLocalHost.StartAsync(); // Front unreachable: the delete proceeds unconfirmed
        var signedFor = TestStorage.NewChannelId();
        var other = TestStorage.NewChannelId();
        foreach (var channel in new[] { signedFor, other })
        {
            Assert.Equal(HttpStatusCode.OK, (await host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization(channel))).StatusCode);
        }

        // One capture: an empty DELETE (signed as "undefined"), the same timestamp and signature for every URL.
        var signedAt = DateTimeOffset.UtcNow;
        var first = await host.Http.SendAsync(Signed(HttpMethod.Delete, signedFor, null, signedAt));
        var retried = await host.Http.SendAsync(Signed(HttpMethod.Delete, signedFor, null, signedAt)); // Front's retry, same URL
        var replayed = await host.Http.SendAsync(Signed(HttpMethod.Delete, other, null, signedAt));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, replayed.StatusCode);
        Assert.Contains("already used", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("Deleted", await StatusOfAsync(signedFor));
        Assert.Equal("Active", await StatusOfAsync(other));
    }

    [Fact]
    public async Task A_replayed_authorization_signed_before_the_channel_was_deleted_does_not_bring_it_back()
    {
        await using var host = await RunningLocalHost.StartAsync();
        var channel = TestStorage.NewChannelId();
        var authorizedAt = DateTimeOffset.UtcNow.AddSeconds(-2);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.SendAsync(SignedRequests.Create(
            HttpMethod.Post, "/api/front/channels", Encoding.UTF8.GetBytes(FrontPayloads.Authorization(channel)), signedAt: authorizedAt))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendSignedAsync(HttpMethod.Delete, $"/api/front/channels/{channel}", FrontPayloads.Delete(channel))).StatusCode);

        var replayed = await host.Http.SendAsync(SignedRequests.Create(
            HttpMethod.Post, "/api/front/channels", Encoding.UTF8.GetBytes(FrontPayloads.Authorization(channel)), signedAt: authorizedAt));

        Assert.Equal(HttpStatusCode.Conflict, replayed.StatusCode);
        Assert.Equal("Deleted", await StatusOfAsync(channel));

        // Front's own new authorization (signed now) re-creates it.
        Assert.Equal(HttpStatusCode.OK, (await host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization(channel))).StatusCode);
        Assert.Equal("Active", await StatusOfAsync(channel));
    }

    [Fact]
    public async Task A_DELETE_of_a_channel_Front_still_answers_for_is_refused_and_proceeds_once_Front_removed_it()
    {
        await using var front = await FrontSimulatorServer.StartAsync();
        await using var host = await RunningLocalHost.StartAsync(new Dictionary<string, string?> { ["Front:ApiBaseUrl"] = front.BaseUrl.AbsoluteUri });
        var channel = TestStorage.NewChannelId();
        await front.Control.CreateChannelAsync(channel, RunningLocalHost.AppUid, RunningLocalHost.AppSecret, null);
        Assert.Equal(HttpStatusCode.OK, (await host.SendSignedAsync(HttpMethod.Post, "/api/front/channels", FrontPayloads.Authorization(channel))).StatusCode);

        var refused = await host.SendSignedAsync(HttpMethod.Delete, $"/api/front/channels/{channel}", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("Front still answers", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("Active", await StatusOfAsync(channel));
        Assert.Contains(host.Logs.Lines, l => l.Contains("Refused DELETE of channel " + channel, StringComparison.Ordinal));

        await front.Control.DeleteChannelAsync(channel); // what Front does when a user removes the channel
        var deleted = await host.SendSignedAsync(HttpMethod.Delete, $"/api/front/channels/{channel}", FrontPayloads.Delete(channel));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal("Deleted", await StatusOfAsync(channel));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("ChannelDeleteUnconfirmed", StringComparison.Ordinal)
            || l.Contains("could not be asked", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_replayed_message_imported_to_another_channel_writes_no_row_there()
    {
        await using var pipeline = await EnrichmentPipeline.StartAsync();
        var other = TestStorage.NewChannelId();
        var messageId = "msg_" + Guid.NewGuid().ToString("N")[..10];
        var body = FrontPayloads.MessageImported(messageId, "cnv_" + Guid.NewGuid().ToString("N")[..10], ["replayed thread"], externalId: "ext-replayed");
        var signedAt = DateTimeOffset.UtcNow;

        Assert.Equal(HttpStatusCode.OK, (await pipeline.Host.Http.SendAsync(Signed(HttpMethod.Post, pipeline.ChannelId, body, signedAt))).StatusCode);
        await pipeline.WaitForAsync(pipeline.MessageByFrontId(messageId), _ => true);

        // Front's retry of the same request to the same URL (its answer lost) is not a replay: processed, not dropped.
        Assert.Equal(HttpStatusCode.OK, (await pipeline.Host.Http.SendAsync(Signed(HttpMethod.Post, pipeline.ChannelId, body, signedAt))).StatusCode);
        // The capture replayed to another channel's URL: accepted by the webhook (no storage on its answer path) …
        Assert.Equal(HttpStatusCode.OK, (await pipeline.Host.Http.SendAsync(Signed(HttpMethod.Post, other, body, signedAt))).StatusCode);

        // … and dropped by enrichment, or (before the fix) mapped there: wait for either.
        var map = TestStorage.Tables().GetTableClient(StorageNames.IdMapTable);
        async Task<int> RowsOfOtherAsync()
        {
            var count = 0;
            await foreach (var _ in map.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {other}"), select: ["RowKey"]))
            {
                count++;
            }

            return count;
        }

        await Eventually.TrueAsync(
            async () => await RowsOfOtherAsync() > 0 || pipeline.Host.Logs.Lines.Any(l => l.Contains("Dropped message_imported " + messageId + " for channel " + other, StringComparison.Ordinal)),
            "the replay dropped or mapped", TimeSpan.FromSeconds(25));
        Assert.Equal(0, await RowsOfOtherAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await pipeline.GetAsync(LookupApi.MessageByFrontId(other, messageId))).Status);
        Assert.DoesNotContain(pipeline.Host.Logs.Lines, l => l.Contains("Dropped message_imported " + messageId + " for channel " + pipeline.ChannelId, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await pipeline.GetAsync(pipeline.MessageByFrontId(messageId))).Status);
    }
}
