using FrontFunctions.Functions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;

namespace FrontFunctions.LocalHost;

/// <summary>
/// A development stand-in for the Azure Functions host (which cannot be installed on every machine): it serves the
/// function classes' HTTP routes under the same <c>/api</c> prefix. It holds no logic of its own: each route resolves
/// the function class and calls the same method the Functions host would.
/// </summary>
public static class LocalFunctionsHost
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>
    /// Builds the host. <paramref name="configure"/> runs before the app's services are registered, so tests can add
    /// settings (ports, connection strings) and replace services such as the <see cref="TimeProvider"/>.
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
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

        // Azure.Core logs every 409 of CreateIfNotExists as a warning; keep the console for what matters.
        builder.Logging.AddFilter("Azure.Core", LogLevel.Error);
        configure?.Invoke(builder);
        builder.Services.AddMvcCore(); // executes the IActionResult the functions return, as the Functions host does
        builder.Services.AddFrontFunctions(builder.Configuration);
        builder.Services.AddSingleton<FrontWebhookFunctions>();
        builder.Services.AddSingleton<MapLookupFunctions>();
        builder.Services.AddSingleton<EnrichmentFunction>();
        if (builder.Configuration.GetValue("LocalHost:RunQueueListener", true))
        {
            builder.Host.AddQueueListener(builder.Configuration);
        }

        var app = builder.Build();
        var api = app.MapGroup("/api");
        api.Map("/" + FrontWebhookFunctions.AppRoute, (HttpContext context, FrontWebhookFunctions functions) =>
            Execute(context, functions.AppWebhook(context.Request, context.RequestAborted)));
        api.Map("/" + FrontWebhookFunctions.ChannelRoute, (HttpContext context, string channelId, FrontWebhookFunctions functions) =>
            Execute(context, functions.ChannelWebhook(context.Request, channelId, context.RequestAborted)));

        // AuthorizationLevel.Function routes: the key check the Functions host does before calling the function.
        var functionKey = app.Configuration["LocalHost:FunctionKey"];
        var keyed = api.MapGroup("").AddEndpointFilter(new FunctionKeyFilter(functionKey));
        keyed.MapGet("/" + MapLookupFunctions.MessagesRoute, (HttpContext context, string channelId, MapLookupFunctions functions) =>
            Execute(context, functions.LookupMessage(context.Request, channelId, context.RequestAborted)));
        keyed.MapGet("/" + MapLookupFunctions.ConversationsRoute, (HttpContext context, string channelId, MapLookupFunctions functions) =>
            Execute(context, functions.LookupConversation(context.Request, channelId, context.RequestAborted)));
        return app;
    }

    private static async Task Execute(HttpContext context, Task<IActionResult> invocation)
    {
        var result = await invocation;
        await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
    }
}
