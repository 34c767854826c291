using FrontFunctions.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace FrontFunctions.Outbound;

/// <summary>Registers the two-way channel: answering <c>message</c> / <c>message_autoreply</c>, and delivery to the partner.</summary>
public static class OutboundServices
{
    public static IServiceCollection AddOutbound(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        // Checked by PartnerOptionsValidator alone: the data-annotations validator reads every property, and the computed
        // Endpoint of an invalid URL would throw there instead of the validator naming the setting.
        services.AddOptions<PartnerOptions>().Bind(configuration.GetSection(PartnerOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PartnerOptions>, PartnerOptionsValidator>();

        services.AddSingleton<OutboundQueue>();
        services.AddSingleton<OutboundAnswerer>();
        services.AddSingleton<PartnerDelivery>();
        services.AddSingleton<PartnerGiveUp>();
        services.AddSingleton<PartnerHealth>();
        services.AddSingleton<PartnerStatusReports>();
        services.AddTransient<PartnerSigningHandler>();

        // Handlers, outermost first: total timeout + retry (5xx, 408, 429 after its retry-after, no answer; never other
        // 4xx) → attempt timeout → signature (a fresh webhook-timestamp per attempt) → socket.
        // Redirects are never followed: a 301/302 would turn the signed POST into a bodiless GET (counted as delivered if it
        // answered 2xx), and a 307/308 would send the signed event to whatever host Location names. A 3xx fails the reply.
        var client = services.AddHttpClient<PartnerClient>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        client.AddResilienceHandler("partner-retry", (pipeline, context) =>
        {
            var o = context.ServiceProvider.GetRequiredService<IOptions<PartnerOptions>>().Value;
            pipeline.AddTotalTimeoutAndRetry(o.TotalTimeout, o.MaxRetries, o.RetryBaseDelay).AddTimeout(o.AttemptTimeout);
        });
        client.AddHttpMessageHandler<PartnerSigningHandler>();
        return services;
    }
}
