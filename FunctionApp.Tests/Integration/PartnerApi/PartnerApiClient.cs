using System.Net;
using System.Text;
using System.Text.Json;
using FrontFunctions.Tests.Infrastructure;
using FrontFunctions.Tests.Integration.Outbound;

namespace FrontFunctions.Tests.Integration.PartnerApi;

/// <summary>Calls the partner API of a <see cref="TwoWayPipeline"/>'s local host with the function key; ids are URL-encoded into the path.</summary>
internal static class PartnerApiClient
{
    public static string Conversation(string channelId, string externalConversationId, string suffix = "") =>
        $"api/channels/{channelId}/conversations/{Uri.EscapeDataString(externalConversationId)}{suffix}";

    public static string Message(string channelId, string externalMessageId, string suffix) =>
        $"api/channels/{channelId}/messages/{Uri.EscapeDataString(externalMessageId)}{suffix}";

    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> CallAsync(
        TwoWayPipeline two, HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        request.Headers.Add("x-functions-key", RunningLocalHost.FunctionKey);
        var response = await two.Pipeline.Host.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement parsed = default;
        try
        {
            parsed = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
        }

        return (response.StatusCode, parsed, response);
    }

    /// <summary>Every partner API route, for a mapped conversation and message: (name, method, path, body).</summary>
    public static IEnumerable<(string Name, HttpMethod Method, string Path, string? Body)> Routes(string channelId, string externalConversationId, string externalMessageId) =>
    [
        ("GET conversation", HttpMethod.Get, Conversation(channelId, externalConversationId), null),
        ("GET conversation with inboxes", HttpMethod.Get, Conversation(channelId, externalConversationId, "?include=inboxes"), null),
        ("PATCH conversation", HttpMethod.Patch, Conversation(channelId, externalConversationId), "{\"status\":\"archived\"}"),
        ("GET messages", HttpMethod.Get, Conversation(channelId, externalConversationId, "/messages"), null),
        ("POST comment", HttpMethod.Post, Conversation(channelId, externalConversationId, "/comments"), "{\"body\":\"From the partner\"}"),
        ("POST seen", HttpMethod.Post, Message(channelId, externalMessageId, "/seen"), null),
        ("GET seen", HttpMethod.Get, Message(channelId, externalMessageId, "/seen"), null),
        ("POST status", HttpMethod.Post, Message(channelId, externalMessageId, "/status"), "{\"status\":\"failed\",\"reason\":\"Unreachable\"}"),
    ];
}
