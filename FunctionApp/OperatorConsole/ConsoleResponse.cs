using System.Reflection;
using FrontFunctions.Http;
using Microsoft.AspNetCore.Http;

namespace FrontFunctions.OperatorConsole;

/// <summary>
/// The console's answers are the app's one answer type (<see cref="HttpAnswer"/>), with the console's headers: a strict
/// Content-Security-Policy (scripts, styles and requests from this origin only; no inline script or style, no plugins, no
/// framing), <c>nosniff</c>, no referrer and no caching. Its page, script and style sheet are bytes; its views are JSON
/// written by <see cref="ConsoleJsonContext"/>; its errors are the app's <c>{"type", "message"}</c>.
/// </summary>
public static class ConsoleResponse
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly KeyValuePair<string, string>[] Headers =
    [
        new("Content-Security-Policy", ContentSecurityPolicy),
        new("X-Content-Type-Options", "nosniff"),
        new("Referrer-Policy", "no-referrer"),
        new("Cache-Control", "no-store"),
    ];

    /// <summary><paramref name="answer"/> with the console's headers.</summary>
    public static HttpAnswer WithConsoleHeaders(this HttpAnswer answer) => answer with { Headers = [.. answer.Headers, .. Headers] };

    public static HttpAnswer Json<T>(T value, int statusCode = StatusCodes.Status200OK) =>
        HttpAnswer.Bytes(statusCode, "application/json; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(ConsoleJson.Serialize(value))).WithConsoleHeaders();

    public static HttpAnswer Error(int statusCode, string type, string message) => HttpAnswer.Error(statusCode, type, message).WithConsoleHeaders();
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
    public static HttpAnswer? Find(string? name) =>
        name is not null && Files.TryGetValue(name, out var file) ? HttpAnswer.Bytes(StatusCodes.Status200OK, file.ContentType, file.Body).WithConsoleHeaders() : null;

    private static byte[] Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("FrontFunctions.OperatorConsole.Assets." + name)
            ?? throw new InvalidOperationException($"The console asset {name} is not embedded.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
