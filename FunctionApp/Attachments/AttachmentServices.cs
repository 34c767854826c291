using FrontFunctions.Front;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Attachments;

/// <summary>Registers the attachment routes' classes and settings.</summary>
public static class AttachmentServices
{
    public static IServiceCollection AddAttachments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AttachmentOptions>()
            .Bind(configuration.GetSection(AttachmentOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<FrontAttachmentClient>(); // the Front client's named HttpClient (registered by AddEnrichment)
        services.AddTransient<AttachmentDownload>();
        return services;
    }
}
