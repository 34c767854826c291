using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Http;

/// <summary>Registers the one HTTP edge every HTTP function goes through (<see cref="HttpEdge"/>).</summary>
public static class HttpServices
{
    public static IServiceCollection AddHttp(this IServiceCollection services)
    {
        services.AddSingleton<HttpEdge>();
        return services;
    }
}
