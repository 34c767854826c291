using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace FrontFunctions.Storage;

/// <summary>Registers the storage clients (<see cref="StorageClientRegistration"/>) and the creation of storage at start-up.</summary>
public static class StorageServices
{
    /// <summary>Set to true where nothing else creates storage (<c>func host start</c> against Azurite); the local host always does.</summary>
    public const string CreateAtStartupSetting = "Storage:CreateAtStartup";

    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStorageClients(configuration);
        services.AddSingleton<StorageInitializer>();
        if (configuration.GetValue(CreateAtStartupSetting, false))
        {
            services.AddStorageCreationAtStartup();
        }

        return services;
    }

    /// <summary>Creates storage when the host starts (<see cref="StorageAtStartup"/>); register it before other hosted services.</summary>
    public static IServiceCollection AddStorageCreationAtStartup(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StorageAtStartup>());
        return services;
    }
}
