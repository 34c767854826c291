using Azure.Monitor.OpenTelemetry.Exporter;
using FrontFunctions;
using FrontFunctions.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using OpenTelemetry;

var builder = FunctionsApplication.CreateBuilder(args);
// HTTP functions take ASP.NET Core's HttpRequest and return an IActionResult (Http/HttpAnswer.cs). What every HTTP function
// does at the edge — read and check its body, answer 503 when storage is unavailable, count its answer — is Http/HttpEdge.cs,
// a wrapper the functions call rather than an IFunctionsWorkerMiddleware: the local host (LocalHost/) calls the functions'
// methods itself, so a worker middleware would run on Azure only and the tests would never exercise it.
builder.ConfigureFunctionsWebApplication();

// Traces, requests, dependencies (Front API calls, storage) and logs to Application Insights when
// APPLICATIONINSIGHTS_CONNECTION_STRING is set (infra/ sets it, with Entra authentication).
builder.Services.AddApplicationInsightsTelemetryWorkerService().ConfigureFunctionsApplicationInsights();

// The Application Insights SDK adds a rule that keeps only warnings; host.json's log levels should decide instead.
builder.Logging.Services.Configure<LoggerFilterOptions>(options =>
    options.Rules.Remove(options.Rules.FirstOrDefault(rule =>
        rule.ProviderName == "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider")!));

// host.json's log levels for the worker's own lines too (framework categories from Warning up: no request URL, with its
// ?code= function key, is logged); the Functions host applies the same levels to what it logs itself.
builder.Logging.AddConfiguration(new ConfigurationBuilder()
    .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "host.json"), optional: true)
    .Build()
    .GetSection("logging"));

// Metrics (the FrontFunctions meter, Telemetry/FrontMetrics) and the app's spans (a webhook and the enrichment of its
// message, one trace through the queue) with OpenTelemetry, exported to Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING
// is set: custom metrics land in customMetrics (infra's alerts read them). Logs stay with the Application Insights SDK
// above: no OpenTelemetry logging is added, so no line is exported twice.
var openTelemetry = builder.Services.AddOpenTelemetry()
    .UseFunctionsWorkerDefaults()
    .WithMetrics(metrics => metrics.AddFrontMetrics())
    .WithTracing(tracing => tracing.AddFrontTracing());
if (builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"] is { Length: > 0 } connectionString)
{
    var credential = AzureMonitorAuthentication.CredentialFrom(builder.Configuration[AzureMonitorAuthentication.Setting]);
    openTelemetry
        .WithMetrics(metrics => metrics.AddAzureMonitorMetricExporter(o => (o.ConnectionString, o.Credential) = (connectionString, credential)))
        .WithTracing(tracing => tracing.AddAzureMonitorTraceExporter(o => (o.ConnectionString, o.Credential) = (connectionString, credential)));
}

builder.Services.AddFrontFunctions(builder.Configuration);
builder.Build().Run();
