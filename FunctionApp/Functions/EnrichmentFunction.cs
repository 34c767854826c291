using FrontFunctions.Enrichment;
using FrontFunctions.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Functions;

/// <summary>Maps each queued <c>message_imported</c> notification; all decisions are in <see cref="IngestProcessor"/>.</summary>
public sealed class EnrichmentFunction(IngestProcessor processor, IOptions<EnrichmentOptions> options)
{
    /// <param name="message">The queue message text (the host decodes Base64).</param>
    /// <param name="dequeueCount">Trigger metadata <c>DequeueCount</c>, bound by parameter name (1 on the first attempt).</param>
    [Function("EnrichImportedMessage")]
    public Task Run(
        [QueueTrigger(StorageNames.IngestQueue, Connection = "AzureWebJobsStorage")] string message,
        long dequeueCount,
        CancellationToken cancellationToken) =>
        processor.ProcessAsync(message, dequeueCount, options.Value.MaxDequeueCount, cancellationToken);
}
