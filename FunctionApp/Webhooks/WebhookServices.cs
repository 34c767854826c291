using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Webhooks;

/// <summary>Registers Front's front door: the webhook handler.</summary>
public static class WebhookServices
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<FrontWebhookHandler>();
        return services;
    }
}
