using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Storage;

/// <summary>
/// The one way the app binds settings: a configuration section bound to an options class, checked against its data
/// annotations (and any <see cref="IValidateOptions{TOptions}"/> registered beside it) when the host starts, so a bad
/// setting stops start-up with its name instead of failing the first request. Here because every room may use Storage.
/// </summary>
public static class ValidatedOptions
{
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string sectionName)
        where T : class =>
        services.AddOptions<T>()
            .Bind(configuration.GetSection(sectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
