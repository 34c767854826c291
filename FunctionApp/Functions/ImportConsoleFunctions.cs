using System.Text.Json;
using FrontFunctions.Front;
using FrontFunctions.Http;
using FrontFunctions.Imports;
using FrontFunctions.OperatorConsole;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace FrontFunctions.Functions;

/// <summary>
/// The console's imports with an unknown outcome (admin level, like every console endpoint): the list and the operator's
/// explicit "send again". All decisions are in <see cref="UnknownImports"/>; answers carry the console's headers.
/// </summary>
public sealed class ImportConsoleFunctions(UnknownImports unknown, HttpEdge edge)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Function("ConsoleUnknownImports")]
    public Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "console/imports/unknown")] HttpRequest request, CancellationToken cancellationToken) =>
        edge.AnswerAsync(request, async ct =>
        {
            var channel = request.Query["channel_id"];
            if (channel.Count > 1 || (channel.Count == 1 && !FrontIds.IsChannelId(channel[0])))
            {
                return HttpAnswer.BadRequest("channel_id must be one channel id (cha_…), or absent for all channels.").WithConsoleHeaders();
            }

            return HttpAnswer.Ok(await unknown.ListAsync(channel.Count == 1 ? channel[0] : null, ct)).WithConsoleHeaders();
        }, cancellationToken);

    [Function("ConsoleSendImportAgain")]
    public Task<IActionResult> SendAgain(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "console/imports/send-again")] HttpRequest request, CancellationToken cancellationToken) =>
        edge.AnswerJsonAsync(request, ConsoleInput.MaxRequestBytes, async (body, ct) =>
        {
            SendAgainRequest? parsed;
            try
            {
                parsed = JsonSerializer.Deserialize<SendAgainRequest>(body.Span, Json);
            }
            catch (JsonException)
            {
                parsed = null;
            }

            if (parsed is not { ChannelId: { } channelId, ExternalId: { } externalId })
            {
                return HttpAnswer.BadRequest("Give {\"channel_id\",\"external_id\"} of one unknown import.").WithConsoleHeaders();
            }

            return (await unknown.SendAgainAsync(channelId, externalId, ct)).WithConsoleHeaders();
        }, cancellationToken, problem => ConsoleResponse.Error(StatusCodes.Status400BadRequest, "bad_request", JsonText.Sentence(problem)));
}
