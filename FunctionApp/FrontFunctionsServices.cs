using FrontFunctions.Attachments;
using FrontFunctions.Channels;
using FrontFunctions.Enrichment;
using FrontFunctions.Failures;
using FrontFunctions.Front;
using FrontFunctions.Http;
using FrontFunctions.IdMap;
using FrontFunctions.Imports;
using FrontFunctions.Ingest;
using FrontFunctions.Lookup;
using FrontFunctions.OperatorConsole;
using FrontFunctions.Outbound;
using FrontFunctions.PartnerApi;
using FrontFunctions.Storage;
using FrontFunctions.Telemetry;
using FrontFunctions.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FrontFunctions;

/// <summary>
/// The one composition of the app's services, shared by the Functions worker (<c>Program.cs</c>), the local host and
/// the tests, so the three run the same code. One <c>AddXxx</c> per room, each defined in its room (<c>XxxServices.cs</c>),
/// listed from the bottom of docs/architecture.md's picture up.
/// </summary>
public static class FrontFunctionsServices
{
    public static IServiceCollection AddFrontFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        // Answers are UTF-8 JSON read by people and programs: ids such as "sms:+15550100" or "🚀" are written as they
        // are, not as \u002B or \uD83D\uDE80 (the default encoder's HTML-safety escapes; no answer is HTML).
        services.Configure<Microsoft.AspNetCore.Mvc.JsonOptions>(o => o.JsonSerializerOptions.Encoder = Http.HttpAnswer.JsonEncoder);
        services.TryAddSingleton(TimeProvider.System);

        services.AddStorage(configuration);
        services.AddFrontTelemetry(configuration);
        services.AddHttp();
        services.AddFront(configuration);
        services.AddChannels();
        services.AddIdMap();
        services.AddFailures();
        services.AddIngest();
        services.AddImports(configuration);
        services.AddOutbound(configuration);
        services.AddEnrichment(configuration);
        services.AddAttachments(configuration);
        services.AddLookup();
        services.AddPartnerApi();
        services.AddWebhooks();
        services.AddOperatorConsole();
        return services;
    }
}
