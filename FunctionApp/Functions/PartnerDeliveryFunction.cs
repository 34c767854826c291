using FrontFunctions.Enrichment;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Functions;

/// <summary>
/// Delivers each message Front sent on the channel to the partner (<c>Partner__OutboundUrl</c>), signed the Standard
/// Webhooks way; all decisions are in <see cref="PartnerDelivery"/>. Disabled (<c>AzureWebJobs_DeliverOutboundMessage_Disabled</c>
/// = true) when the partner consumes <c>front-outbound</c> itself.
/// </summary>
public sealed class PartnerDeliveryFunction(PartnerDelivery delivery, IOptions<EnrichmentOptions> options)
{
    [Function(PartnerOptions.DeliveryFunctionName)]
    public Task Run(
        [QueueTrigger(StorageNames.OutboundQueue, Connection = "AzureWebJobsStorage")] string message,
        long dequeueCount,
        CancellationToken cancellationToken) =>
        delivery.ProcessAsync(message, dequeueCount, options.Value.MaxDequeueCount, cancellationToken);
}
