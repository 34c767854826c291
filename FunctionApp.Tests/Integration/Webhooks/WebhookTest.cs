using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Integration.Webhooks;

/// <summary>
/// What each webhook test starts from: its own local host on a free port, the shared ingest queue emptied (the classes
/// deriving from this run in <see cref="SharedQueueCollection"/>, one test at a time), and a channel id no other test uses.
/// </summary>
public abstract class WebhookTest : IAsyncLifetime
{
    protected QueueClient IngestQueue { get; } = TestStorage.Queues().GetQueueClient(StorageNames.IngestQueue);

    protected TableClient ChannelsTable { get; } = TestStorage.Tables().GetTableClient(StorageNames.ChannelsTable);

    protected string ChannelId { get; } = TestStorage.NewChannelId();

    protected RunningLocalHost Host { get; private set; } = null!;

    /// <summary>The channel webhook of <see cref="ChannelId"/>.</summary>
    protected string ChannelPath => $"/api/front/channels/{ChannelId}";

    /// <summary>The queue messages of this test's channel (the queue is shared; this collection runs one test at a time).</summary>
    protected async Task<List<JsonElement>> QueuedForChannelAsync()
    {
        var peeked = await IngestQueue.PeekMessagesAsync(maxMessages: 32);
        return peeked.Value
            .Select(m => JsonDocument.Parse(m.Body.ToString()).RootElement)
            .Where(m => m.GetProperty("channel_id").GetString() == ChannelId)
            .ToList();
    }

    public async Task InitializeAsync()
    {
        Host = await RunningLocalHost.StartAsync();
        await IngestQueue.CreateIfNotExistsAsync();
        await IngestQueue.ClearMessagesAsync();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
