using FrontFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Enrichment;

/// <summary>Registers enrichment: the queue function's work and the overdue import check.</summary>
public static class EnrichmentServices
{
    /// <summary>The host.json setting the queue trigger reads, as an app setting (<c>AzureFunctionsJobHost__extensions__queues__maxDequeueCount</c>).</summary>
    public const string MaxDequeueCountSetting = "AzureFunctionsJobHost:extensions:queues:maxDequeueCount";

    public static IServiceCollection AddEnrichment(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<EnrichmentOptions>(configuration, EnrichmentOptions.SectionName)
            .PostConfigure(o =>
            {
                if (int.TryParse(configuration[MaxDequeueCountSetting], out var max) && max > 0)
                {
                    o.MaxDequeueCount = max;
                }
            });

        services.AddSingleton<FrontConversationCache>();
        services.AddTransient<NotificationEnricher>();
        services.AddSingleton<ImportCheckPoisoning>();
        services.AddTransient<IngestProcessor>();
        services.AddTransient<OverdueImportCheck>();
        return services;
    }
}
