using FrontFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace FrontFunctions.Telemetry;

/// <summary>Registers the metrics class, the queue sampler, and what both hosts add to their OpenTelemetry providers.</summary>
public static class TelemetryServices
{
    public static IServiceCollection AddFrontTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics(); // IMeterFactory (the meter lives and dies with this container)
        services.AddValidatedOptions<MetricsOptions>(configuration, MetricsOptions.SectionName);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<QueueSnapshot>();
        services.AddSingleton<MinuteTally>();
        services.AddSingleton<FrontMetrics>();
        services.AddSingleton<ConsoleStatsWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<ConsoleStatsWriter>());
        services.AddSingleton<QueueSampler>();
        services.AddHostedService(provider => provider.GetRequiredService<QueueSampler>());
        return services;
    }

    /// <summary>The app's meter, for a host's <see cref="MeterProviderBuilder"/>.</summary>
    public static MeterProviderBuilder AddFrontMetrics(this MeterProviderBuilder builder) => builder.AddMeter(FrontMetrics.MeterName);

    /// <summary>The app's spans (webhook → queue work), for a host's <see cref="TracerProviderBuilder"/>.</summary>
    public static TracerProviderBuilder AddFrontTracing(this TracerProviderBuilder builder) => builder.AddSource(FrontTracing.SourceName);
}
