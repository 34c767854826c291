using FrontFunctions.Http;
using FrontFunctions.Imports;
using FrontFunctions.Ingest;
using FrontFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using FrontFunctions.Webhooks;

namespace FrontFunctions.Functions;

/// <summary>
/// The import API for the partner system, mirroring Front's sync endpoints (function-key protected), and the queue function
/// that checks overdue imports. All decisions are in <see cref="ImportService"/> and <see cref="Enrichment.OverdueImportCheck"/>.
/// </summary>
public sealed class ImportFunctions(ImportService imports, Enrichment.OverdueImportCheck checks, Enrichment.ImportCheckPoisoning lastAttempt, Microsoft.Extensions.Options.IOptions<Enrichment.EnrichmentOptions> queueOptions, Microsoft.Extensions.Options.IOptions<Attachments.AttachmentOptions> attachmentOptions)
{
    public const string InboundRoute = "channels/{channelId}/inbound_messages";
    public const string OutboundRoute = "channels/{channelId}/outbound_messages";

    [Function("ImportInboundMessage")]
    public Task<IActionResult> ImportInbound(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = InboundRoute)] HttpRequest request,
        string channelId,
        CancellationToken cancellationToken) =>
        ImportAsync(request, channelId, inbound: true, cancellationToken);

    [Function("ImportOutboundMessage")]
    public Task<IActionResult> ImportOutbound(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = OutboundRoute)] HttpRequest request,
        string channelId,
        CancellationToken cancellationToken) =>
        ImportAsync(request, channelId, inbound: false, cancellationToken);

    [Function("CheckOverdueImport")]
    public Task CheckOverdue(
        [QueueTrigger(StorageNames.ImportCheckQueue, Connection = "AzureWebJobsStorage")] string message,
        long dequeueCount,
        CancellationToken cancellationToken) =>
        lastAttempt.RunAsync(message, dequeueCount, queueOptions.Value.MaxDequeueCount, () => checks.RunAsync(message, cancellationToken), cancellationToken);

    private async Task<IActionResult> ImportAsync(HttpRequest request, string channelId, bool inbound, CancellationToken cancellationToken)
    {
        if (Attachments.ImportFormReader.IsMultipart(request.ContentType))
        {
            return await ImportFormAsync(request, channelId, inbound, cancellationToken); // a message with attachments
        }

        if (request.ContentType is { Length: > 0 } contentType
            && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return HttpAnswer.UnsupportedMediaType("The body must be JSON (Content-Type application/json).").ToResult();
        }

        var body = await RequestBodyReader.ReadAsync(request.Body, request.ContentLength, RequestBodyReader.MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return HttpAnswer.PayloadTooLarge($"The body is larger than {RequestBodyReader.MaxBodyBytes} bytes.").ToResult();
        }

        var answer = await imports.ImportAsync(channelId, inbound, body, cancellationToken);
        if (answer.Body is ImportRetryLater later)
        {
            request.HttpContext.Response.Headers.RetryAfter = later.RetryAfterHeader; // nothing was imported: the same request may come again
        }

        return answer.ToResult();
    }

    /// <summary>The <c>multipart/form-data</c> import: the <c>message</c> field is the JSON body, the files go to Front with it.</summary>
    private async Task<IActionResult> ImportFormAsync(HttpRequest request, string channelId, bool inbound, CancellationToken cancellationToken)
    {
        var (form, problem) = await Attachments.ImportFormReader.ReadAsync(request, attachmentOptions.Value.MaxImportFiles, RequestBodyReader.MaxBodyBytes, cancellationToken);
        if (form is null)
        {
            return problem!.ToResult();
        }

        var answer = await imports.ImportAsync(channelId, inbound, form.Message, cancellationToken, form.Files);
        if (answer.Body is ImportRetryLater later)
        {
            request.HttpContext.Response.Headers.RetryAfter = later.RetryAfterHeader;
        }

        return answer.ToResult();
    }
}
