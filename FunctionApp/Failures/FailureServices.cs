using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Failures;

/// <summary>Registers failure rows, never-expiring poison with kept payloads, and re-queue.</summary>
public static class FailureServices
{
    public static IServiceCollection AddFailures(this IServiceCollection services)
    {
        services.AddSingleton<FailureIndex>();
        services.AddSingleton<DeliveryFailures>();
        services.AddSingleton<FailedPayloads>(); // poison never expires; failed items' blobs kept (issue 19 point 5)
        services.AddSingleton<PoisonRequeue>();
        return services;
    }
}
