using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using FrontFunctions.Failures;

namespace FrontFunctions.OperatorConsole;

/// <summary>
/// Every answer of the console's functions (page, script, style sheet, JSON): the body as given, with a strict
/// Content-Security-Policy (scripts, styles and requests from this origin only; no inline script or style, no plugins, no
/// framing), <c>nosniff</c>, no referrer and no caching.
/// </summary>
public sealed class ConsoleResponse(int statusCode, string contentType, byte[] body) : IActionResult
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public int StatusCode => statusCode;

    public static ConsoleResponse Json<T>(T value, int statusCode = StatusCodes.Status200OK) =>
        new(statusCode, "application/json; charset=utf-8", Encoding.UTF8.GetBytes(ConsoleJson.Serialize(value)));

    public static ConsoleResponse Error(int statusCode, string type, string message) => Json(new ConsoleError(type, message), statusCode);

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = contentType;
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.HttpContext.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>The console's page, script and style sheet, embedded in the assembly (no front-end build step).</summary>
public static class ConsoleAssets
{
    private static readonly Dictionary<string, (string ContentType, byte[] Body)> Files = new(StringComparer.Ordinal)
    {
        ["console.html"] = ("text/html; charset=utf-8", Read("console.html")),
        ["console.js"] = ("text/javascript; charset=utf-8", Read("console.js")),
        ["console.css"] = ("text/css; charset=utf-8", Read("console.css")),
        // uPlot 1.6.32 (npm uplot, MIT: uPlot.LICENSE), vendored as built: https://github.com/leeoniya/uPlot
        ["uPlot.iife.min.js"] = ("text/javascript; charset=utf-8", Read("uPlot.iife.min.js")),
        ["uPlot.min.css"] = ("text/css; charset=utf-8", Read("uPlot.min.css")),
        ["uPlot.LICENSE"] = ("text/plain; charset=utf-8", Read("uPlot.LICENSE")),
    };

    /// <summary>The named asset, or null for any other name (only these are served).</summary>
    public static ConsoleResponse? Find(string? name) =>
        name is not null && Files.TryGetValue(name, out var file) ? new ConsoleResponse(StatusCodes.Status200OK, file.ContentType, file.Body) : null;

    private static byte[] Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("FrontFunctions.OperatorConsole.Assets." + name)
            ?? throw new InvalidOperationException($"The console asset {name} is not embedded.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
