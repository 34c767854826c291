using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace FrontFunctions.Demo;

/// <summary>
/// 7. The partner API (docs/partner-api.md): the partner works in its own ids. It reads the first conversation by its
/// external conversation id as Front has it now, lists its messages (the teammate's reply among them, with its external id),
/// marks that reply seen (twice: the app calls Front once), and archives the conversation. After each call the demo prints
/// what Front (the simulator's control API) now shows.
/// </summary>
internal static class PartnerApiSteps
{
    public static async Task UseThePartnerApiAsync(DemoContext demo)
    {
        var (_, thread, _) = demo.Imported[0];
        if (!demo.Conversations.TryGetValue(thread, out var conversationId))
        {
            throw new DemoFailedException($"{thread} was not mapped; the partner API needs the map.");
        }

        var conversationPath = $"api/channels/{demo.ChannelId}/conversations/{Uri.EscapeDataString(thread)}";
        Console.WriteLine();
        var read = await CallAsync(demo, HttpMethod.Get, conversationPath, null);
        Console.WriteLine($"    status {read.GetProperty("status")}, conversation {read.GetProperty("conversation_id")}, " +
            $"external ids {string.Join(", ", read.GetProperty("external_conversation_ids").EnumerateArray().Select(e => e.GetString()))}");

        var page = await CallAsync(demo, HttpMethod.Get, conversationPath + "/messages", null);
        var messages = page.GetProperty("messages").EnumerateArray().ToList();
        foreach (var m in messages)
        {
            Console.WriteLine($"    {m.GetProperty("message_id").GetString(),-14} {(m.GetProperty("is_inbound").GetBoolean() ? "inbound " : "outbound")} external_id {m.GetProperty("external_id")}");
        }

        var reply = messages.FirstOrDefault(m => !m.GetProperty("is_inbound").GetBoolean() && m.GetProperty("external_id").GetString() is not null);
        if (reply.ValueKind == JsonValueKind.Object)
        {
            var seenPath = $"api/channels/{demo.ChannelId}/messages/{Uri.EscapeDataString(reply.GetProperty("external_id").GetString()!)}/seen";
            for (var i = 0; i < 2; i++)
            {
                var seen = await CallAsync(demo, HttpMethod.Post, seenPath, null);
                Console.WriteLine($"    already_marked {seen.GetProperty("already_marked")}");
            }

            var state = await demo.Front.GetConversationStateAsync(conversationId);
            Console.WriteLine($"Front now shows: message {reply.GetProperty("message_id")} marked seen {state.SeenMarks.GetValueOrDefault(reply.GetProperty("message_id").GetString()!)} time(s)");
        }

        await CallAsync(demo, HttpMethod.Patch, conversationPath, "{\"status\":\"archived\",\"tag_ids\":{\"add\":[\"tag_resolved\"]}}");
        var after = await demo.Front.GetConversationStateAsync(conversationId);
        Console.WriteLine($"Front now shows: conversation {after.ConversationId} status {after.Status}, tags {string.Join(", ", after.TagIds)}");
    }

    private static async Task<JsonElement> CallAsync(DemoContext demo, HttpMethod method, string path, string? body)
    {
        using var request = demo.AppRequest(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await demo.Http.SendAsync(request);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Console.WriteLine($"{method} /{Uri.UnescapeDataString(path)}{(body is null ? "" : " " + body)} → {(int)response.StatusCode}");
        return response.IsSuccessStatusCode
            ? answer
            : throw new DemoFailedException($"{method} /{path} answered {(int)response.StatusCode}: {answer}");
    }
}
