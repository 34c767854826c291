using FrontFunctions.Storage;
using FrontFunctions.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FrontFunctions.LocalHost;

/// <summary>
/// A development stand-in for the Azure Functions host (which cannot be installed on every machine): it serves the
/// functions the <see cref="FunctionCatalog"/> finds — every HTTP trigger under the same <c>/api</c> prefix, every queue
/// trigger through the WebJobs queue listener — from their attributes, the declaration the Functions host reads too.
/// It holds no logic of its own and nothing per function: each request or message calls the function's method.
/// </summary>
public static class LocalFunctionsHost
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>
    /// Builds the host. <paramref name="configure"/> runs before the app's services are registered, so tests can add
    /// settings (ports, connection strings) and replace services such as the <see cref="TimeProvider"/>.
    /// </summary>
    /// <param name="functions">What to serve: the app's functions (<see cref="FunctionCatalog.Functions"/>) unless given.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, IReadOnlyList<DeclaredFunction>? functions = null)
    {
        functions ??= FunctionCatalog.Functions;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // host.json (copied next to the binaries from the repository root) and the settings file the Functions host reads (local.settings.json "Values"), then environment and command line.
        builder.Configuration.AddHostJson(Path.Combine(AppContext.BaseDirectory, "host.json"));
        builder.Configuration.AddLocalSettingsJson(Path.Combine(Directory.GetCurrentDirectory(), "local.settings.json"));
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // Kestrel's limits: slow senders cut off, connections and bodies bounded (ConnectionLimits).
        builder.WebHost.ConfigureKestrel((context, kestrel) => ConnectionLimits.Apply(kestrel, context.Configuration));

        // host.json's log levels, as the Functions host applies them: framework categories (ASP.NET Core, WebJobs, HttpClient,
        // Polly) from Warning up, the app's own lines at Information — and so no request URL (with its ?code= key) is logged.
        builder.Logging.AddConfiguration(builder.Configuration.GetSection(HostJson.Prefix + ":logging"));
        // Here "Function" and "Host" hold only the WebJobs SDK's own lines (Executing/Executed, start-up): the app logs under
        // its own categories. (On the Functions host "Function" also carries the worker's lines, so host.json keeps it.)
        builder.Logging.AddFilter("Function", LogLevel.Warning).AddFilter("Host", LogLevel.Warning);
        // Azure.Core logs every 409 of CreateIfNotExists as a warning; keep the console for what matters.
        builder.Logging.AddFilter("Azure.Core", LogLevel.Error);
        configure?.Invoke(builder);
        builder.Services.AddMvcCore(); // executes the IActionResult the functions return, as the Functions host does
        builder.Services.AddStorageCreationAtStartup(); // Azurite starts empty: created before the other hosted services and the listener start
        builder.Services.AddFrontFunctions(builder.Configuration);
        // The app's metrics and spans (Telemetry/): a Prometheus scrape endpoint at /metrics, and/or the console
        // (LocalHost__Metrics = prometheus (default), console, both, or none).
        var exporters = builder.Configuration["LocalHost:Metrics"] ?? "prometheus";
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("FrontFunctions.LocalHost"))
            .WithTracing(tracing => tracing.AddFrontTracing())
            .WithMetrics(metrics =>
            {
                metrics.AddFrontMetrics();
                if (exporters is "prometheus" or "both")
                {
                    metrics.AddPrometheusExporter();
                }

                if (exporters is "console" or "both")
                {
                    metrics.AddConsoleExporter();
                }
            });
        builder.Services.AddSingleton(new ServedFunctions(functions));
        foreach (var functionClass in functions.Where(f => !f.Method.IsStatic).Select(f => f.FunctionClass).Distinct())
        {
            builder.Services.AddSingleton(functionClass);
        }

        if (builder.Configuration.GetValue("LocalHost:RunQueueListener", true))
        {
            builder.Host.AddQueueListener(builder.Configuration, functions);
        }

        var app = builder.Build();
        app.MapHttpFunctions(functions, app.Configuration["LocalHost:FunctionKey"]);
        if (exporters is "prometheus" or "both")
        {
            app.MapPrometheusScrapingEndpoint(); // GET /metrics
        }

        return app;
    }
}

/// <summary>The functions this host serves (what its start-up printout lists and its queue methods call).</summary>
public sealed class ServedFunctions(IReadOnlyList<DeclaredFunction> functions)
{
    public IReadOnlyList<DeclaredFunction> All { get; } = functions;

    public DeclaredFunction Named(string name) => All.Single(f => f.Name == name);
}
