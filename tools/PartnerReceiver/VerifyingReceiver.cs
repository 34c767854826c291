using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace FrontFunctions.PartnerDemo;

/// <summary>
/// The partner's end of the two-way channel, as small as it can be: <c>POST /events</c> verifies the Standard Webhooks
/// signature (the <c>StandardWebhooks</c> package: headers <c>webhook-id</c>, <c>webhook-timestamp</c> within 5 minutes,
/// <c>webhook-signature</c>) and answers 401 when it does not verify, 204 when it does; a webhook-id seen before is answered
/// 204 again and not recorded twice. <c>GET /events[?channel_id=…]</c> lists the verified events.
/// </summary>
public static class VerifyingReceiver
{
    public static WebApplication Build(string[] args, string signingSecret, TextWriter output)
    {
        var webhook = new StandardWebhook(signingSecret); // throws on a secret that is not whsec_ + base64
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var received = new ConcurrentDictionary<string, PartnerEvent>(StringComparer.Ordinal);
        var order = new ConcurrentQueue<string>();

        app.MapPost("/events", async (HttpContext c) =>
        {
            using var reader = new StreamReader(c.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(c.RequestAborted);
            var webhookId = c.Request.Headers["webhook-id"].ToString();
            try
            {
                webhook.Verify(body, c.Request.Headers);
            }
            catch (WebhookVerificationException e)
            {
                await output.WriteLineAsync($"partner: refused a delivery (webhook-id '{webhookId}'): {e.Message}");
                return Results.Json(new { error = "signature did not verify" }, statusCode: 401);
            }

            PartnerEvent @event;
            try
            {
                @event = PartnerEvent.From(webhookId, body, DateTimeOffset.UtcNow);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
            {
                return Results.Json(new { error = "not a FrontFunctions event" }, statusCode: 400);
            }

            if (!received.TryAdd(webhookId, @event))
            {
                await output.WriteLineAsync($"partner: duplicate webhook-id {webhookId} (already received): acknowledged, not recorded again");
                return Results.NoContent();
            }

            order.Enqueue(webhookId);
            await output.WriteLineAsync(
                $"partner: verified {@event.Type} {@event.MessageId ?? "(no id)"} webhook-id {webhookId} external_id {@event.ExternalId} " +
                $"external_conversation_id {@event.ExternalConversationId}");
            return Results.NoContent();
        });

        app.MapGet("/events", (string? channel_id) => Results.Json(
            new PartnerEvents([.. order.Select(id => received[id]).Where(e => channel_id is null || e.ChannelId == channel_id)]),
            PartnerJson.Default.PartnerEvents));
        return app;
    }
}

/// <summary>One verified delivery: the ids the partner threads by, the text, when it arrived.</summary>
public sealed record PartnerEvent(
    [property: JsonPropertyName("webhook_id")] string WebhookId,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("channel_id")] string? ChannelId,
    [property: JsonPropertyName("message_id")] string? MessageId,
    [property: JsonPropertyName("conversation_id")] string? ConversationId,
    [property: JsonPropertyName("external_id")] string? ExternalId,
    [property: JsonPropertyName("external_conversation_id")] string? ExternalConversationId,
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("signature_verified")] bool SignatureVerified,
    [property: JsonPropertyName("received_at")] DateTimeOffset ReceivedAt)
{
    public static PartnerEvent From(string webhookId, string body, DateTimeOffset at)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var data = root.GetProperty("data");
        string? S(string name) => data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new PartnerEvent(webhookId, root.GetProperty("type").GetString() ?? "", S("channel_id"), S("message_id"), S("conversation_id"),
            S("external_id"), S("external_conversation_id"), S("text"), SignatureVerified: true, at);
    }
}

public sealed record PartnerEvents([property: JsonPropertyName("events")] IReadOnlyList<PartnerEvent> Events);

[JsonSerializable(typeof(PartnerEvents))]
internal sealed partial class PartnerJson : JsonSerializerContext;
