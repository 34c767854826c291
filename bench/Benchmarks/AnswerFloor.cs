using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// The floor of the message answer (issue 22, point 7: "where a goal is physically out of reach, show the floor measured
/// in the same run"): a bare loopback HTTP route that does the storage work the answer must do for the benchmark's load,
/// with no signature check, no parsing and no map logic — for every tenth message (a new conversation) a point read, the
/// conversation row and its <c>xc|</c> row inserted, then for every message its two rows in one batch and one enqueue.
/// The answer's p99 over this floor is what the app itself adds.
/// </summary>
internal sealed class AnswerFloor : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AnswerFloor(WebApplication app) => _app = app;

    public Uri Url => new(_app.Urls.First());

    public static async Task<AnswerFloor> StartAsync(TableClient table, QueueClient queue)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/floor/{channel}/{i:int}", async (string channel, int i, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            var conversation = "cnv_" + (i / 10);
            if (i % 10 == 0)
            {
                await table.GetEntityIfExistsAsync<TableEntity>(channel, "fc|" + conversation);
                await table.AddEntityAsync(new TableEntity(channel, "fc|" + conversation) { ["ExternalConversationIds"] = $"[\"front:{conversation}\"]" });
                await table.AddEntityAsync(new TableEntity(channel, "xc|front:" + conversation) { ["ConversationId"] = conversation });
            }

            await table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(channel, "fm|msg_" + i) { ["ExternalId"] = "front:msg_" + i, ["ConversationId"] = conversation }),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(channel, "xm|front:msg_" + i) { ["MessageId"] = "msg_" + i, ["ConversationId"] = conversation }),
            ]);
            await queue.SendMessageAsync(BinaryData.FromBytes(body.ToArray()));
            return Results.Ok();
        });
        await app.StartAsync();
        return new AnswerFloor(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
