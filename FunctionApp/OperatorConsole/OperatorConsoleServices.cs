using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.OperatorConsole;

/// <summary>Registers the operator console's data and actions.</summary>
public static class OperatorConsoleServices
{
    public static IServiceCollection AddOperatorConsole(this IServiceCollection services)
    {
        services.AddSingleton<OperationsConsole>();
        return services;
    }
}
