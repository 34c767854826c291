using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using FrontFunctions.Channels;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FrontFunctions.Tests.Integration.Channels;

/// <summary>
/// <see cref="ChannelRegistry.FindRecentAsync"/> against Azurite: callers whose 10-second memory of a channel expired
/// together share one read (the partner API benchmark saw 16 concurrent readers make 16 reads every 10 s: 2.01 table reads
/// per read against a goal of 2), while a channel this instance knows as deleted is still read by every caller.
/// </summary>
public sealed class ChannelReadSharingTests
{
    [Fact]
    public async Task Concurrent_callers_after_the_memory_expired_share_one_read()
    {
        await TestStorage.EnsureAppStorageAsync();
        var (registry, reads, time) = Registry();
        var channel = TestStorage.NewChannelId();
        await registry.AuthorizeAsync(channel, CancellationToken.None);
        time.Advance(ChannelRegistry.RecentFor + TimeSpan.FromSeconds(1));

        var found = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => registry.FindRecentAsync(channel, CancellationToken.None)));

        Assert.All(found, r => Assert.Equal(ChannelStatus.Active, r?.Status));
        Assert.Equal(1, reads.Count); // 16 before
    }

    [Fact]
    public async Task A_channel_known_as_deleted_is_read_by_every_caller()
    {
        await TestStorage.EnsureAppStorageAsync();
        var (registry, reads, _) = Registry();
        var channel = TestStorage.NewChannelId();
        await registry.AuthorizeAsync(channel, CancellationToken.None);
        await registry.MarkDeletedAsync(channel, CancellationToken.None);

        var found = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => registry.FindRecentAsync(channel, CancellationToken.None)));

        Assert.All(found, r => Assert.Equal(ChannelStatus.Deleted, r?.Status));
        Assert.Equal(4, reads.Count);
    }

    private static (ChannelRegistry Registry, ReadCounter Reads, FakeTimeProvider Time) Registry()
    {
        var reads = new ReadCounter();
        var options = new TableClientOptions();
        options.AddPolicy(reads, HttpPipelinePosition.PerCall);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        return (new ChannelRegistry(new TableServiceClient(TestStorage.ConnectionString, options), time), reads, time);
    }

    /// <summary>Counts GETs of the channels table's rows.</summary>
    private sealed class ReadCounter : HttpPipelineSynchronousPolicy
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Method == RequestMethod.Get && message.Request.Uri.Path.Contains(FrontFunctions.Storage.StorageNames.ChannelsTable + "(", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _count);
            }
        }
    }
}
