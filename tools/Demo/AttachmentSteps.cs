using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FrontSimulator.Control;

namespace FrontFunctions.Demo;

/// <summary>The attachment steps (issue 21): a file both ways, each printed beside what Front (the simulator) holds.</summary>
internal static class AttachmentSteps
{
    /// <summary>
    /// 8. The partner imports a message with a file: <c>multipart/form-data</c> with a <c>message</c> field (the JSON body)
    /// and <c>attachments[]</c>; the app forwards both to Front as Front's multipart form. Prints the app's answer and the
    /// file as the simulator keeps it (name, type, size, SHA-256 beside the one sent).
    /// </summary>
    public static async Task ImportWithAttachmentAsync(DemoContext demo)
    {
        var file = Encoding.UTF8.GetBytes("Order 42 — the delivery note, as the customer sent it.\n");
        var message = new JsonObject
        {
            ["sender"] = new JsonObject { ["handle"] = "+15550100", ["name"] = "Ada" },
            ["body"] = "Here is the delivery note.",
            ["metadata"] = new JsonObject { ["external_id"] = "sms:+15550100/with-file", ["external_conversation_id"] = "sms:+15550100" },
        };
        using var form = new MultipartFormDataContent { { new StringContent(message.ToJsonString(), Encoding.UTF8, "application/json"), "message" } };
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(part, "attachments[]", "delivery-note.txt");
        using var request = demo.AppRequest(HttpMethod.Post, $"api/channels/{demo.ChannelId}/inbound_messages");
        request.Content = form;
        using var response = await demo.Http.SendAsync(request);
        var answer = await response.Content.ReadAsStringAsync();
        Console.WriteLine();
        Console.WriteLine($"partner → app: multipart import with delivery-note.txt ({file.Length} bytes, sha256 {Sha(file)}) → {(int)response.StatusCode} {answer}");
        if ((int)response.StatusCode is not (200 or 202))
        {
            throw new DemoFailedException($"The import with an attachment answered {(int)response.StatusCode}: {answer}");
        }

        var uid = JsonDocument.Parse(answer).RootElement.GetProperty("message_uid").GetString();
        var kept = (await demo.Front.GetAttachmentsAsync(demo.ChannelId)).Imported.FirstOrDefault(i => i.MessageUid == uid)
            ?? throw new DemoFailedException($"The simulator holds no attachment for message_uid {uid}.");
        foreach (var a in kept.Attachments)
        {
            Console.WriteLine($"    Front (simulator) holds for {kept.ExternalId}: {a.Filename} ({a.ContentType}, {a.Size} bytes, sha256 {a.Sha256})");
        }
    }

    /// <summary>
    /// 9. A teammate replies in Front with a 2 MB file; the partner downloads it through the app's
    /// <c>…/messages/{externalMessageId}/attachments/0</c> (the event's <c>download_url</c>), which streams it from Front's
    /// download route with the channel token. Prints what arrived beside what the simulator holds.
    /// </summary>
    public static async Task DownloadReplyAttachmentAsync(DemoContext demo)
    {
        var reply = await demo.Front.SendTeammateMessageAsync(demo.ChannelId, new TeammateMessage
        {
            ConversationId = demo.Conversations.Values.FirstOrDefault(),
            Body = "<p>Your invoice is attached.</p>",
            AuthorEmail = "ada@example.com",
            Attachments = [new AttachmentSpec("invoice-42.pdf", "application/pdf", 2 * 1024 * 1024)],
        });
        var externalId = reply.Status == 200 ? JsonDocument.Parse(reply.Answer).RootElement.GetProperty("external_id").GetString()! : null;
        Console.WriteLine();
        Console.WriteLine($"Front → app: message {reply.MessageId} with invoice-42.pdf → {reply.Status} {reply.Answer}");
        if (externalId is null)
        {
            throw new DemoFailedException($"The app answered {reply.Status} to a teammate's message with an attachment: {reply.Answer}");
        }

        var path = $"api/channels/{demo.ChannelId}/messages/{Uri.EscapeDataString(externalId)}/attachments/0";
        using var request = demo.AppRequest(HttpMethod.Get, path);
        using var response = await demo.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            throw new DemoFailedException($"GET /{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var bytes = await response.Content.ReadAsByteArrayAsync();
        Console.WriteLine($"partner → app: GET /{path} → {(int)response.StatusCode} {response.Content.Headers.ContentType}, {bytes.Length} bytes, sha256 {Sha(bytes)}");
        var held = (await demo.Front.GetAttachmentsAsync(demo.ChannelId)).Sent.FirstOrDefault(s => s.MessageId == reply.MessageId)?.Attachments.FirstOrDefault()
            ?? throw new DemoFailedException($"The simulator holds no attachment for {reply.MessageId}.");
        Console.WriteLine($"    Front (simulator) holds: {held.Filename} ({held.ContentType}, {held.Size} bytes, sha256 {held.Sha256}){(held.Sha256 == Sha(bytes) ? " — the same file" : " — DIFFERENT")}");
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
