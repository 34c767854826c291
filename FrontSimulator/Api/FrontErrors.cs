using System.Text.Json;
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

    /// <summary>The request body as JSON; <c>Parsed</c> false after answering 400 when it is not valid JSON.</summary>
    public static async Task<(bool Parsed, JsonNode? Root)> ReadJsonAsync(HttpContext context)
    {
        try
        {
            return (true, await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted));
        }
        catch (JsonException)
        {
            await WriteAsync(context, 400, "The body is not valid JSON.");
            return (false, null);
        }
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
