using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Storage;

/// <summary>Registers the storage clients (<see cref="StorageClientRegistration"/>) and the creator the local host and tests call at start-up.</summary>
public static class StorageServices
{
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStorageClients(configuration);
        services.AddSingleton<StorageInitializer>(); // called at start-up only (LocalHost, tests); Bicep creates storage in Azure
        return services;
    }
}
