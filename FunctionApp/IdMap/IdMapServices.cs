using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.IdMap;

/// <summary>Registers the id map (external ↔ Front ids), shared by the rooms that read or write it.</summary>
public static class IdMapServices
{
    public static IServiceCollection AddIdMap(this IServiceCollection services)
    {
        services.AddSingleton<IdMapStore>();
        return services;
    }
}
