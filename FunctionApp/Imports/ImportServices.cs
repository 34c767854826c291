using FrontFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Imports;

/// <summary>Registers the import API, its status rows, the overdue check's scheduling and the unknown imports.</summary>
public static class ImportServices
{
    public static IServiceCollection AddImports(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ImportOptions>(configuration, ImportOptions.SectionName);
        services.AddSingleton<IValidateOptions<ImportOptions>, ImportOptionsValidator>();
        services.AddSingleton<ImportStore>();
        services.AddTransient<ImportCheck>();
        services.AddTransient<ImportSender>();
        services.AddTransient<ImportService>();
        services.AddTransient<UnknownImports>();
        return services;
    }
}
