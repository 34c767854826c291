using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace FrontFunctions.LocalHost;

/// <summary>
/// Kestrel's limits on the local host, set here so that what they are is written down, not left to defaults nobody reads
/// (docs/running-locally.md; Learn: https://learn.microsoft.com/aspnet/core/fundamentals/servers/kestrel/options). The HTTP
/// edge (FunctionApp/Http/HttpEdge.cs) reads each body into a small pooled buffer that grows only as bytes arrive, so a slow
/// sender costs a few KiB; these limits make sure it is also cut off:
/// <list type="bullet">
/// <item>a request body must arrive at 240 bytes/s or more after a 5 s grace period (a trickle is answered 408 and closed),
/// and a response must be read as fast;</item>
/// <item>the request headers must arrive within 10 s (a caller that never finishes them holds no connection longer);</item>
/// <item>at most 1,000 connections at once (more wait in the listen backlog);</item>
/// <item>a body of at most 100 MB, the size Azure Functions' front end accepts (each function's own cap is far lower: 1 MiB
/// for JSON, answered 413 by the edge).</item>
/// </list>
/// Each can be changed with the standard <c>Kestrel:Limits</c> configuration keys (e.g. <c>Kestrel__Limits__MaxConcurrentConnections</c>).
/// </summary>
internal static class ConnectionLimits
{
    public const long MaxConcurrentConnections = 1_000;
    public const long MaxRequestBodySize = 100 * 1024 * 1024;
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(10);
    public static readonly MinDataRate MinDataRate = new(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));

    public static void Apply(KestrelServerOptions options, IConfiguration configuration)
    {
        var limits = options.Limits;
        limits.MaxConcurrentConnections = MaxConcurrentConnections;
        limits.MaxRequestBodySize = MaxRequestBodySize;
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.MinRequestBodyDataRate = MinDataRate;
        limits.MinResponseDataRate = MinDataRate;
        configuration.GetSection("Kestrel:Limits").Bind(limits); // what the configuration says wins
    }
}
