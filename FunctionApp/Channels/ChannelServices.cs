using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Channels;

/// <summary>Registers the channel rows and channel deletion.</summary>
public static class ChannelServices
{
    public static IServiceCollection AddChannels(this IServiceCollection services)
    {
        services.AddSingleton<ChannelRegistry>();
        services.AddSingleton<ChannelDeletion>();
        return services;
    }
}
