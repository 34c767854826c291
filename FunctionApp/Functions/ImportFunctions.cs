using FrontFunctions.Http;
using FrontFunctions.Imports;
using FrontFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace FrontFunctions.Functions;

/// <summary>
/// The import API for the partner system, mirroring Front's sync endpoints (function-key protected), and the queue function
/// that checks overdue imports. All decisions are in <see cref="ImportService"/> and <see cref="Enrichment.OverdueImportCheck"/>;
/// the body (JSON at most 1 MiB, or multipart with attachments) is read and checked through the HTTP edge (<see cref="HttpEdge.AnswerJsonAsync"/>).
/// </summary>
public sealed class ImportFunctions(ImportService imports, HttpEdge edge, Enrichment.OverdueImportCheck checks, Enrichment.ImportCheckPoisoning lastAttempt, Microsoft.Extensions.Options.IOptions<Enrichment.EnrichmentOptions> queueOptions, Microsoft.Extensions.Options.IOptions<Attachments.AttachmentOptions> attachmentOptions)
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

    /// <summary>
    /// JSON through the edge's body reader and checks; <c>multipart/form-data</c> (a message with attachments: the
    /// <c>message</c> field is the JSON body, the files go to Front with it) read by <see cref="Attachments.ImportFormReader"/>,
    /// still through the edge (storage unavailability, answer shape).
    /// </summary>
    private Task<IActionResult> ImportAsync(HttpRequest request, string channelId, bool inbound, CancellationToken cancellationToken) =>
        Attachments.ImportFormReader.IsMultipart(request.ContentType)
            ? edge.AnswerAsync(request, async ct =>
            {
                var (form, problem) = await Attachments.ImportFormReader.ReadAsync(request, attachmentOptions.Value.MaxImportFiles, RequestBody.MaxBodyBytes, ct);
                return form is null ? problem! : await imports.ImportAsync(channelId, inbound, form.Message, ct, form.Files);
            }, cancellationToken)
            : edge.AnswerJsonAsync(request, RequestBody.MaxBodyBytes, (body, ct) => imports.ImportAsync(channelId, inbound, body, ct),
                cancellationToken, ImportService.BodyRefused);
}
