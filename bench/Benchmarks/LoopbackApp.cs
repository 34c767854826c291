using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Benchmarks;

/// <summary>A bare ASP.NET Core app on a free loopback port with no logging: the benchmarks' stand-in receivers and references.</summary>
internal static class LoopbackApp
{
    /// <summary>Built, not started: map its routes, then <c>StartAsync</c>.</summary>
    public static WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder.Build();
    }
}
