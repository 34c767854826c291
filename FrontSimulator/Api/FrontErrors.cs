using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace FrontSimulator.Api;

/// <summary>Front's error body: <c>{"_error":{"status":…,"title":…,"message":…}}</c>.</summary>
internal static class FrontErrors
{
    public static Task WriteAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = new JsonObject
        {
            ["_error"] = new JsonObject
            {
                ["status"] = status,
                ["title"] = Title(status),
                ["message"] = message,
            },
        };
        return context.Response.WriteAsync(body.ToJsonString());
    }

    public static Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    private static string Title(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        429 => "Too many requests",
        500 => "Internal server error",
        502 => "Bad gateway",
        503 => "Service unavailable",
        _ => "Error",
    };
}
