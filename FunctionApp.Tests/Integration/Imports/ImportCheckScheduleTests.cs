using System.Net;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Queues;
using FrontFunctions.Channels;
using FrontFunctions.Imports;
using FrontFunctions.Storage;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Tests.Integration.Imports;

/// <summary>
/// Issue 19 point 9: an accepted import whose overdue-check message could not be queued gets it on the partner's retry
/// (the row records whether the check was scheduled), and only once.
/// </summary>
[Collection(SharedQueueCollection.Name)]
public sealed class ImportCheckScheduleTests : IAsyncDisposable
{
    private readonly CheckQueueFault _fault = new();
    private readonly FrontTestHost _host;

    public ImportCheckScheduleTests()
    {
        _host = FrontTestHost.Create(
            settings: new Dictionary<string, string?> { ["Imports:OverdueAfter"] = "6.00:00:00" }, // never runs during the test run
            configure: services =>
            {
                var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
                options.AddPolicy(_fault, HttpPipelinePosition.PerCall);
                services.AddSingleton(new QueueServiceClient(TestStorage.ConnectionString, options));
            });
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_check_that_could_not_be_queued_is_queued_by_the_partners_repeat_once()
    {
        var channelId = TestStorage.NewChannelId();
        await _host.Get<ChannelRegistry>().AuthorizeAsync(channelId, CancellationToken.None);
        _host.Front.Respond = _ => Task.FromResult(StubFrontHandler.Json("""{"status":"accepted","message_uid":"uid-check"}""", HttpStatusCode.Accepted));
        var body = System.Text.Encoding.UTF8.GetBytes(ImportApiTests.Inbound("check-1").ToJsonString());
        var service = _host.Get<ImportService>();
        var store = _host.Get<ImportStore>();

        _fault.Failing = true;
        var first = await service.ImportAsync(channelId, inbound: true, body, CancellationToken.None);
        Assert.Equal(202, first.StatusCode);
        Assert.NotEqual(true, (await store.GetAsync(channelId, "check-1", CancellationToken.None))!.CheckScheduled);
        Assert.Equal(0, _fault.Queued);

        _fault.Failing = false;
        var repeat = await service.ImportAsync(channelId, inbound: true, body, CancellationToken.None);
        var again = await service.ImportAsync(channelId, inbound: true, body, CancellationToken.None);

        Assert.Equal((200, 200), (repeat.StatusCode, again.StatusCode));
        Assert.Equal(1, _fault.Queued);
        Assert.True((await store.GetAsync(channelId, "check-1", CancellationToken.None))!.CheckScheduled);
        Assert.Single(_host.Front.Requests); // the repeats never reached Front
    }

    /// <summary>Fails sends to the import-check queue while <see cref="Failing"/>; counts the ones that went through.</summary>
    private sealed class CheckQueueFault : HttpPipelinePolicy
    {
        private int _queued;

        public volatile bool Failing;

        public int Queued => Volatile.Read(ref _queued);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var isCheck = message.Request.Method == RequestMethod.Post
                && message.Request.Uri.Path.EndsWith("/" + StorageNames.ImportCheckQueue + "/messages", StringComparison.Ordinal);
            if (isCheck && Failing)
            {
                throw new RequestFailedException(503, "Injected: the queue is unavailable.");
            }

            await ProcessNextAsync(message, pipeline);
            if (isCheck && message.Response.Status == 201)
            {
                Interlocked.Increment(ref _queued);
            }
        }
    }
}
