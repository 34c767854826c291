using FrontFunctions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = FunctionsApplication.CreateBuilder(args);
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

builder.Services.AddFrontFunctions(builder.Configuration);
builder.Build().Run();
