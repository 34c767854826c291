using System.Text.Json;
using FrontFunctions.Front;
using FrontFunctions.Http;
using FrontFunctions.OperatorConsole;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace FrontFunctions.Functions;

/// <summary>
/// The operator console: the page and its two static files are anonymous (they hold no data); every endpoint that reads or
/// changes data is admin-level (in Azure the host's master key; locally <c>LocalHost__FunctionKey</c>), sent by the page as
/// <c>x-functions-key</c>. Answers go through the HTTP edge like every other function's (<see cref="HttpEdge"/>).
/// </summary>
public sealed class ConsoleFunctions(OperationsConsole console, HttpEdge edge)
{
    [Function("ConsolePage")]
    public IActionResult Page([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "console")] HttpRequest request) =>
        ConsoleAssets.Find("console.html")!;

    [Function("ConsoleAsset")]
    public IActionResult Asset(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "console/static/{name}")] HttpRequest request, string name) =>
        ConsoleAssets.Find(name) ?? ConsoleResponse.Error(StatusCodes.Status404NotFound, "not_found", "No such console file.");

    [Function("ConsoleChannels")]
    public Task<IActionResult> Channels(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "console/channels")] HttpRequest request, CancellationToken cancellationToken) =>
        edge.AnswerAsync(request, async ct => ConsoleResponse.Json(await console.ChannelsAsync(ct)), cancellationToken);

    [Function("ConsolePipeline")]
    public Task<IActionResult> Pipeline(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "console/pipeline")] HttpRequest request, CancellationToken cancellationToken) =>
        edge.AnswerAsync(request, async ct => ConsoleResponse.Json(await console.PipelineAsync(ct)), cancellationToken);

    [Function("ConsoleCharts")]
    public Task<IActionResult> Charts(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "console/charts")] HttpRequest request, CancellationToken cancellationToken) =>
        edge.AnswerAsync(request, async ct => ConsoleResponse.Json(await console.ChartsAsync(ct)), cancellationToken);

    [Function("ConsoleFailures")]
    public Task<IActionResult> Failures(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "console/failures")] HttpRequest request, CancellationToken cancellationToken) =>
        edge.AnswerAsync(request, async ct =>
        {
            var channel = request.Query["channel_id"];
            if (channel.Count > 1 || (channel.Count == 1 && !FrontIds.IsChannelId(channel[0])))
            {
                return ConsoleResponse.Error(StatusCodes.Status400BadRequest, "bad_request", "channel_id must be one channel id (cha_…), or absent for all channels.");
            }

            return ConsoleResponse.Json(await console.FailuresAsync(channel.Count == 1 ? channel[0] : null, ct));
        }, cancellationToken);

    [Function("ConsoleRequeue")]
    public Task<IActionResult> Requeue(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "console/requeue")] HttpRequest request, CancellationToken cancellationToken) =>
        edge.AnswerJsonAsync(request, ConsoleInput.MaxRequestBytes, async (body, ct) =>
        {
            if (ConsoleInput.Read(body, ConsoleJsonContext.Default.RequeueRequest, out var problem) is not { } requeue)
            {
                return ConsoleResponse.Error(StatusCodes.Status400BadRequest, "bad_request", problem!);
            }

            if (ConsoleInput.RequeueProblem(requeue) is { } invalid)
            {
                return ConsoleResponse.Error(StatusCodes.Status400BadRequest, "bad_request", invalid);
            }

            var result = await console.RequeueAsync(requeue.ChannelId, requeue.FailureId, ct);
            return result is null
                ? ConsoleResponse.Error(StatusCodes.Status404NotFound, "not_found", "No such failure.")
                : ConsoleResponse.Json(result);
        }, cancellationToken, problem => ConsoleResponse.Error(StatusCodes.Status400BadRequest, "bad_request", JsonText.Sentence(problem)));
}
