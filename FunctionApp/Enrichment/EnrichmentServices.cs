using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Enrichment;

/// <summary>Registers enrichment, the Front API client and the id map.</summary>
public static class EnrichmentServices
{
    public static IServiceCollection AddEnrichment(this IServiceCollection services, IConfiguration configuration)
    {
        return services;
    }
}
