using System.Text.Json;
using FrontFunctions.Front;
using FrontFunctions.OperatorConsole;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace FrontFunctions.Functions;

/// <summary>
/// The operator console: the page and its two static files are anonymous (they hold no data); every endpoint that reads or
/// changes data is admin-level (in Azure the host's master key; locally <c>LocalHost__FunctionKey</c>), sent by the page as
/// <c>x-functions-key</c>.
/// </summary>
public sealed class ConsoleFunctions(OperationsConsole console)
{
    private const int MaxRequestBytes = 4096;

    [Function("ConsolePage")]
    public IActionResult Page([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "console")] HttpRequest request) =>
        ConsoleAssets.Find("console.html")!;

    [Function("ConsoleAsset")]
    public IActionResult Asset(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "console/static/{name}")] HttpRequest request, string name) =>
        ConsoleAssets.Find(name) ?? ConsoleResponse.Error(StatusCodes.Status404NotFound, "not_found", "No such console file.");

    [Function("ConsoleChannels")]
    public async Task<IActionResult> Channels(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "console/channels")] HttpRequest request, CancellationToken cancellationToken) =>
        ConsoleResponse.Json(await console.ChannelsAsync(cancellationToken));

    [Function("ConsolePipeline")]
    public async Task<IActionResult> Pipeline(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "console/pipeline")] HttpRequest request, CancellationToken cancellationToken) =>
        ConsoleResponse.Json(await console.PipelineAsync(cancellationToken));

    [Function("ConsoleCharts")]
    public async Task<IActionResult> Charts(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "console/charts")] HttpRequest request, CancellationToken cancellationToken) =>
        ConsoleResponse.Json(await console.ChartsAsync(cancellationToken));

    [Function("ConsoleFailures")]
    public async Task<IActionResult> Failures(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "console/failures")] HttpRequest request, CancellationToken cancellationToken)
    {
        var channel = request.Query["channel_id"];
        if (channel.Count > 1 || (channel.Count == 1 && !FrontIds.IsChannelId(channel[0])))
        {
            return ConsoleResponse.Error(StatusCodes.Status400BadRequest, "bad_request", "channel_id must be one channel id (cha_…), or absent for all channels.");
        }

        return ConsoleResponse.Json(await console.FailuresAsync(channel.Count == 1 ? channel[0] : null, cancellationToken));
    }

    [Function("ConsoleRequeue")]
    public async Task<IActionResult> Requeue(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "console/requeue")] HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await ReadRequestAsync(request, cancellationToken);
        if (body.Error is { } error)
        {
            return ConsoleResponse.Error(StatusCodes.Status400BadRequest, "bad_request", error);
        }

        var (channelId, failureId, all) = body.Request!;
        if (failureId is not null && OperatorConsole.ConsoleInput.FailureIdProblem(failureId) is { } problem)
        {
            return ConsoleResponse.Error(StatusCodes.Status400BadRequest, "bad_request", problem);
        }

        var valid = (channelId, failureId, all) switch
        {
            (null, null, true) => true,
            (not null, _, null or false) when channelId == FrontFunctions.Failures.DeliveryFailures.UnknownChannelPartition && failureId is not null => true,
            (not null, _, null or false) when FrontIds.IsChannelId(channelId) => failureId is null || failureId.Length is > 0 and <= 1024,
            _ => false,
        };
        if (!valid)
        {
            return ConsoleResponse.Error(StatusCodes.Status400BadRequest, "bad_request",
                "Give {\"channel_id\",\"failure_id\"} for one failure, {\"channel_id\"} for a channel's, or {\"all\":true} for all.");
        }

        var result = await console.RequeueAsync(channelId, failureId, cancellationToken);
        return result is null
            ? ConsoleResponse.Error(StatusCodes.Status404NotFound, "not_found", "No such failure.")
            : ConsoleResponse.Json(result);
    }

    private static async Task<(RequeueRequest? Request, string? Error)> ReadRequestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxRequestBytes)
        {
            return (null, $"The body is larger than {MaxRequestBytes} bytes.");
        }

        var buffer = new byte[MaxRequestBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        if (length > MaxRequestBytes)
        {
            return (null, $"The body is larger than {MaxRequestBytes} bytes.");
        }

        try
        {
            var parsed = JsonSerializer.Deserialize(buffer.AsSpan(0, length), ConsoleJsonContext.Default.RequeueRequest);
            return parsed is null ? (null, "The body must be a JSON object.") : (parsed, null);
        }
        catch (JsonException e)
        {
            return (null, "The body is not the expected JSON: " + e.Message.Split('.')[0] + ".");
        }
    }
}
