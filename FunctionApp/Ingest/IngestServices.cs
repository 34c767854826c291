using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Ingest;

/// <summary>Registers the writer of the queued notification (the contract between the webhook and the queue function).</summary>
public static class IngestServices
{
    public static IServiceCollection AddIngest(this IServiceCollection services)
    {
        services.AddSingleton<IngestQueue>();
        return services;
    }
}
