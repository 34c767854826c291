using System.Net;
using FrontSimulator.Api;
using FrontSimulator.Auth;
using FrontSimulator.Control;
using FrontSimulator.Diagnostics;
using FrontSimulator.Faults;
using FrontSimulator.Importing;
using FrontSimulator.Model;
using FrontSimulator.Notifications;
using FrontSimulator.Pipeline;
using FrontSimulator.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FrontSimulator;

/// <summary>Starts the Front simulator, in-process (tests) or as the command-line program.</summary>
public static class FrontSimulatorServer
{
    public const string DefaultUrl = "http://127.0.0.1:7072";

    /// <summary>Starts a simulator on a loopback URL (port 0 = a free port) and returns once it accepts requests.</summary>
    public static async Task<RunningFrontSimulator> StartAsync(
        string url = "http://127.0.0.1:0", Action<SimulatorOptions>? configure = null, CancellationToken ct = default)
    {
        var uri = new Uri(url);
        if (!IPAddress.TryParse(uri.Host, out var ip) ? !string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase) : !IPAddress.IsLoopback(ip))
        {
            throw new ArgumentException("The simulator binds loopback addresses only.", nameof(url));
        }

        var app = Build([], url, configure, quiet: true);
        await app.StartAsync(ct).ConfigureAwait(false);
        return new RunningFrontSimulator(app, new Uri(BoundAddresses(app).First().TrimEnd('/') + "/"));
    }

    /// <summary>The command-line program: binds <c>--urls</c> (default <see cref="DefaultUrl"/>), prints it, runs until Ctrl+C.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var app = Build(args, url: null, configure: null, quiet: false);
        if (string.IsNullOrEmpty(app.Configuration["urls"]) && string.IsNullOrEmpty(app.Configuration["ASPNETCORE_URLS"]))
        {
            app.Urls.Add(DefaultUrl);
        }

        await app.StartAsync().ConfigureAwait(false);
        foreach (var address in BoundAddresses(app))
        {
            Console.WriteLine($"Front simulator listening on {address} (control API under {address.TrimEnd('/')}/_sim/). Press Ctrl+C to stop.");
        }

        await app.WaitForShutdownAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        return 0;
    }

    private static IEnumerable<string> BoundAddresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;

    private static WebApplication Build(string[] args, string? url, Action<SimulatorOptions>? configure, bool quiet)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(FrontSimulatorServer).Assembly.GetName().Name,
        });
        if (url is not null)
        {
            builder.WebHost.UseUrls(url);
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (quiet)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        }

        var options = new SimulatorOptions();
        builder.Configuration.GetSection("Simulator").Bind(options);
        configure?.Invoke(options);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SimulatorLifetime>();
        services.AddSingleton<SimulatorStore>();
        services.AddSingleton<MessageStatuses>();
        services.AddSingleton<ConversationStates>();
        services.AddSingleton<ChannelTokenRefusals>();
        services.AddSingleton<RuntimeSettings>();
        services.AddSingleton<RequestCounters>();
        services.AddSingleton<FrontRateLimiter>();
        services.AddSingleton<FaultInjector>();
        services.AddSingleton<ChannelTokenValidator>();
        services.AddSingleton<NotificationDispatcher>();
        services.AddSingleton<OutboundMessageSender>();
        services.AddSingleton<ImportProcessor>();
        services.AddSingleton<SimulatedAttachments>();

        var app = builder.Build();
        app.UseRouting();
        app.UseMiddleware<FrontApiMiddleware>();
        app.MapFrontApi();
        app.MapSimulatorControl();
        app.MapAttachmentRoutes();
        app.MapPartnerApiControl();
        return app;
    }
}
