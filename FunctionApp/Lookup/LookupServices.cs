using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Lookup;

/// <summary>Registers the lookup API.</summary>
public static class LookupServices
{
    public static IServiceCollection AddLookup(this IServiceCollection services)
    {
        services.AddSingleton<MapLookup>();
        return services;
    }
}
