using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.PartnerApi;

/// <summary>Registers the partner API (its Front client, map and channels are registered by enrichment and the composition).</summary>
public static class PartnerApiServices
{
    public static IServiceCollection AddPartnerApi(this IServiceCollection services)
    {
        services.AddSingleton<PartnerTargets>();
        services.AddTransient<PartnerConversations>();
        services.AddTransient<PartnerMessages>();
        services.AddSingleton<SeenReceipts>();
        return services;
    }
}
