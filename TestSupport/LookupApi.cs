using System.Net;
using System.Text.Json;
using Xunit;

namespace FrontFunctions.TestSupport;

/// <summary>
/// The app's lookup API over real HTTP, with the function key in <c>x-functions-key</c>: its paths, one GET, and the poll
/// that waits for a notification to be mapped.
/// </summary>
public sealed class LookupApi(HttpClient http, string functionKey)
{
    public static string MessageByExternalId(string channelId, string externalId) =>
        $"/api/map/{channelId}/messages?external_id={Uri.EscapeDataString(externalId)}";

    public static string MessageByFrontId(string channelId, string messageId) =>
        $"/api/map/{channelId}/messages?front_id={Uri.EscapeDataString(messageId)}";

    public static string ConversationByExternalId(string channelId, string externalId) =>
        $"/api/map/{channelId}/conversations?external_id={Uri.EscapeDataString(externalId)}";

    public static string ConversationByFrontId(string channelId, string conversationId) =>
        $"/api/map/{channelId}/conversations?front_id={Uri.EscapeDataString(conversationId)}";

    /// <summary>GET <paramref name="path"/> with the function key: (status, body or default).</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("x-functions-key", functionKey);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>
    /// Polls <paramref name="path"/> until it answers 200 with a body satisfying <paramref name="done"/> (any 200 when null);
    /// fails at the deadline with the last answer. Only 200 and 404 (not mapped yet) are acceptable answers on the way.
    /// </summary>
    public async Task<JsonElement> WaitForAsync(string path, Func<JsonElement, bool>? done, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var (status, body) = await GetAsync(path);
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{path} answered {(int)status}: {body}");
            if (status == HttpStatusCode.OK && (done?.Invoke(body) ?? true))
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < until, $"{path} did not reach the expected answer within {deadline}; last: {(int)status} {body}");
            await Task.Delay(100);
        }
    }
}
