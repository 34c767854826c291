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
/// the body (JSON, at most 1 MiB) is read and checked by the HTTP edge (<see cref="HttpEdge.AnswerJsonAsync"/>).
/// </summary>
public sealed class ImportFunctions(ImportService imports, HttpEdge edge, Enrichment.OverdueImportCheck checks, Enrichment.ImportCheckPoisoning lastAttempt, Microsoft.Extensions.Options.IOptions<Enrichment.EnrichmentOptions> queueOptions)
{
    public const string InboundRoute = "channels/{channelId}/inbound_messages";
    public const string OutboundRoute = "channels/{channelId}/outbound_messages";

    [Function("ImportInboundMessage")]
    public Task<IActionResult> ImportInbound(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = InboundRoute)] HttpRequest request,
        string channelId,
        CancellationToken cancellationToken) =>
        edge.AnswerJsonAsync(request, RequestBody.MaxBodyBytes, (body, ct) => imports.ImportAsync(channelId, inbound: true, body, ct),
            cancellationToken, ImportService.BodyRefused);

    [Function("ImportOutboundMessage")]
    public Task<IActionResult> ImportOutbound(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = OutboundRoute)] HttpRequest request,
        string channelId,
        CancellationToken cancellationToken) =>
        edge.AnswerJsonAsync(request, RequestBody.MaxBodyBytes, (body, ct) => imports.ImportAsync(channelId, inbound: false, body, ct),
            cancellationToken, ImportService.BodyRefused);

    [Function("CheckOverdueImport")]
    public Task CheckOverdue(
        [QueueTrigger(StorageNames.ImportCheckQueue, Connection = "AzureWebJobsStorage")] string message,
        long dequeueCount,
        CancellationToken cancellationToken) =>
        lastAttempt.RunAsync(message, dequeueCount, queueOptions.Value.MaxDequeueCount, () => checks.RunAsync(message, cancellationToken), cancellationToken);
}
