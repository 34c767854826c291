using FrontFunctions.Functions;
using FrontFunctions.Storage;
using Microsoft.Azure.WebJobs;

namespace FrontFunctions.LocalHost;

/// <summary>
/// The queue-triggered functions as the WebJobs SDK sees them: each method only forwards to the function class the
/// Functions host runs, with the same trigger data (message text, dequeue count).
/// </summary>
public sealed class QueueTriggers(EnrichmentFunction enrichment)
{
    [FunctionName("EnrichImportedMessage")]
    public Task EnrichImportedMessage(
        [QueueTrigger(StorageNames.IngestQueue, Connection = "AzureWebJobsStorage")] string message,
        long dequeueCount,
        CancellationToken cancellationToken) =>
        enrichment.Run(message, dequeueCount, cancellationToken);
}
