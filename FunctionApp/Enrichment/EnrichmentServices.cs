using FrontFunctions.Front;
using FrontFunctions.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using FrontFunctions.Failures;

namespace FrontFunctions.Enrichment;

/// <summary>Registers enrichment, the Front API client and the id map.</summary>
public static class EnrichmentServices
{
    /// <summary>The host.json setting the queue trigger reads, as an app setting (<c>AzureFunctionsJobHost__extensions__queues__maxDequeueCount</c>).</summary>
    public const string MaxDequeueCountSetting = "AzureFunctionsJobHost:extensions:queues:maxDequeueCount";

    public static IServiceCollection AddEnrichment(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<FrontApiOptions>()
            .Bind(configuration.GetSection(FrontApiOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<SharedBudgetOptions>()
            .Bind(configuration.GetSection(SharedBudgetOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<EnrichmentOptions>()
            .Bind(configuration.GetSection(EnrichmentOptions.SectionName))
            .PostConfigure(o =>
            {
                if (int.TryParse(configuration[MaxDequeueCountSetting], out var max) && max > 0)
                {
                    o.MaxDequeueCount = max;
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Front protocol: token, rate gate, API client.
        services.AddSingleton<ChannelTokenIssuer>();
        services.AddSingleton<SharedFrontBudget>();
        services.AddSingleton(provider => new FrontRateGate(
            provider.GetRequiredService<IOptions<FrontApiOptions>>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<IOptions<SharedBudgetOptions>>().Value.Enabled ? provider.GetRequiredService<SharedFrontBudget>() : null));
        services.AddTransient<FrontRateGateHandler>();
        services.AddTransient<ChannelTokenHandler>();

        // Handlers, outermost first: total timeout + retry → rate gate → attempt timeout → channel token → socket.
        // The gate sits inside the retry so every attempt, retries included, waits its turn and reports Front's headers;
        // the attempt timeout sits inside the gate so time spent waiting for the gate is not counted against an attempt;
        // the token is minted last so it never ages in a queue and every attempt has its own jti.
        var client = services.AddHttpClient<FrontApiClient>((provider, http) =>
            {
                var baseUrl = provider.GetRequiredService<IOptions<FrontOptions>>().Value.ApiBaseUrl.AbsoluteUri;
                http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
                http.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline owns timeouts
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false, // a merged conversation answers 301: followed by FrontApiClient, which records the merge
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        client.AddResilienceHandler("front-retry", (pipeline, context) =>
            {
                var o = context.ServiceProvider.GetRequiredService<IOptions<FrontApiOptions>>().Value;
                // Handles 5xx, 408, 429, HttpRequestException and attempt timeouts; 401/403/404 are not retried. A POST (the
                // sync import) is retried only after an outcome that proves Front did not act (FrontRetryPredicate).
                pipeline.AddTotalTimeoutAndRetry(o.TotalTimeout, o.MaxRetries, o.RetryBaseDelay, FrontRetryPredicate.RetryUnsafeMethodsOnlyWhenNotActed);
            });
        client.AddHttpMessageHandler<FrontRateGateHandler>();
        client.AddResilienceHandler("front-attempt", (pipeline, context) =>
            pipeline.AddTimeout(context.ServiceProvider.GetRequiredService<IOptions<FrontApiOptions>>().Value.AttemptTimeout));
        client.AddHttpMessageHandler<ChannelTokenHandler>();

        // Id map and enrichment.
        services.AddSingleton<IdMap.IdMapStore>();
        services.AddSingleton<FrontConversationCache>();
        services.AddTransient<NotificationEnricher>();
        services.AddSingleton<FailureIndex>();
        services.AddSingleton<DeliveryFailures>();
        services.AddSingleton<ImportCheckPoisoning>();
        services.AddTransient<IngestProcessor>();
        return services;
    }
}
