using System.Text.Json;
using FrontFunctions.Front;
using FrontFunctions.Http;
using FrontFunctions.Imports;
using FrontFunctions.Ingest;
using FrontFunctions.OperatorConsole;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using FrontFunctions.Webhooks;

namespace FrontFunctions.Functions;

/// <summary>
/// The console's imports with an unknown outcome (admin level, like every console endpoint): the list and the operator's
/// explicit "send again". All decisions are in <see cref="UnknownImports"/>.
/// </summary>
public sealed class ImportConsoleFunctions(UnknownImports unknown)
{
    private const int MaxRequestBytes = 4096;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Function("ConsoleUnknownImports")]
    public async Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "console/imports/unknown")] HttpRequest request, CancellationToken cancellationToken)
    {
        var channel = request.Query["channel_id"];
        if (channel.Count > 1 || (channel.Count == 1 && !FrontIds.IsChannelId(channel[0])))
        {
            return Answer(HttpAnswer.BadRequest("channel_id must be one channel id (cha_…), or absent for all channels."));
        }

        return Answer(HttpAnswer.Ok(await unknown.ListAsync(channel.Count == 1 ? channel[0] : null, cancellationToken)));
    }

    [Function("ConsoleSendImportAgain")]
    public async Task<IActionResult> SendAgain(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "console/imports/send-again")] HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await RequestBodyReader.ReadAsync(request.Body, request.ContentLength, MaxRequestBytes, cancellationToken);
        if (body is null)
        {
            return Answer(HttpAnswer.PayloadTooLarge($"The body is larger than {MaxRequestBytes} bytes."));
        }

        SendAgainRequest? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<SendAgainRequest>(body, Json);
        }
        catch (JsonException)
        {
            parsed = null;
        }

        if (parsed is not { ChannelId: { } channelId, ExternalId: { } externalId })
        {
            return Answer(HttpAnswer.BadRequest("Give {\"channel_id\",\"external_id\"} of one unknown import."));
        }

        return Answer(await unknown.SendAgainAsync(channelId, externalId, cancellationToken));
    }

    private static ConsoleResponse Answer(HttpAnswer answer) =>
        new(answer.StatusCode, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(answer.Body, answer.Body.GetType(), Json));
}
