using FrontFunctions.Channels;
using FrontFunctions.Enrichment;
using FrontFunctions.Front;
using FrontFunctions.Ingest;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using FrontFunctions.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using FrontFunctions.Webhooks;
using FrontFunctions.Failures;

namespace FrontFunctions;

/// <summary>
/// The one composition of the app's services, shared by the Functions worker (<c>Program.cs</c>), the local host and
/// the tests, so the three run the same code.
/// </summary>
public static class FrontFunctionsServices
{
    public static IServiceCollection AddFrontFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FrontOptions>()
            .Bind(configuration.GetSection(FrontOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Answers are UTF-8 JSON read by people and programs: ids such as "sms:+15550100" or "🚀" are written as they
        // are, not as \u002B or \uD83D\uDE80 (the default encoder's HTML-safety escapes; no answer is HTML).
        services.Configure<Microsoft.AspNetCore.Mvc.JsonOptions>(o => o.JsonSerializerOptions.Encoder = Http.HttpAnswer.JsonEncoder);

        services.TryAddSingleton(TimeProvider.System);
        services.AddStorageClients(configuration);
        services.AddFrontTelemetry(configuration); // the meter, the queue sampler (Telemetry/)
        services.AddSingleton<StorageInitializer>();
        services.AddSingleton<FailedPayloads>(); // poison never expires; failed items' blobs kept (issue 19 point 5)

        // Front protocol
        services.AddSingleton<FrontSignatureVerifier>();

        // Ingest and channels
        services.AddSingleton<IngestQueue>();
        services.AddSingleton<ChannelRegistry>();
        services.AddSingleton<ChannelDeletion>();
        services.AddSingleton<ReplayGuard>();
        services.AddSingleton<FrontWebhookHandler>();

        // Two-way channel: answering Front's outbound messages, delivering them to the partner
        services.AddOutbound(configuration);

        // Enrichment, the Front API client and the id map
        services.AddEnrichment(configuration);

        services.AddSingleton<PoisonRequeue>();
        services.AddSingleton<OperatorConsole.OperationsConsole>();

        // Import API
        services.AddOptions<Imports.ImportOptions>()
            .Bind(configuration.GetSection(Imports.ImportOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Imports.ImportOptions>, Imports.ImportOptionsValidator>();
        services.AddSingleton<Imports.ImportStore>();
        services.AddTransient<Imports.ImportCheck>();
        services.AddTransient<Enrichment.OverdueImportCheck>();
        services.AddTransient<Imports.ImportSender>();
        services.AddTransient<Imports.ImportService>();
        services.AddTransient<Imports.UnknownImports>();

        // Lookup API
        services.AddSingleton<Lookup.MapLookup>();

        // Partner API: conversations and messages by external id
        PartnerApi.PartnerApiServices.AddPartnerApi(services);

        return services;
    }
}
