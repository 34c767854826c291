using FrontFunctions.Http;
using FrontFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace FrontFunctions.Front;

/// <summary>
/// Registers Front's protocol, shared by the rooms that speak to Front: the webhook signature and replay guard, the channel
/// token, the shared budget and rate gate, and the typed API client with its handlers.
/// </summary>
public static class FrontServices
{
    public static IServiceCollection AddFront(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatedOptions<FrontOptions>(configuration, FrontOptions.SectionName);
        services.AddValidatedOptions<FrontApiOptions>(configuration, FrontApiOptions.SectionName);
        services.AddValidatedOptions<SharedBudgetOptions>(configuration, SharedBudgetOptions.SectionName);

        // Webhooks Front sends: signature, replay.
        services.AddSingleton<FrontSignatureVerifier>();
        services.AddSingleton<ReplayGuard>();

        // Calls to Front: token, budget, rate gate, API client.
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
        return services;
    }
}
