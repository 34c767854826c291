using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FrontSimulator.Api;
using FrontSimulator.Control;
using FrontSimulator.Model;

namespace FrontSimulator.Notifications;

/// <summary>
/// Sends <c>message</c> and <c>message_autoreply</c> requests to a channel's webhook, signed as Front signs, and returns what
/// the webhook answered (Front records the answer's external ids). The payload is a Front Message object
/// (front-api-specs' <c>MessageResponse</c>): an auto-reply has <c>type</c> <c>auto_reply</c>, no <c>id</c>, and
/// <c>_links.related.message_replied_to</c>.
/// </summary>
internal sealed class OutboundMessageSender(SimulatorStore store, SimulatorOptions options, TimeProvider time, RuntimeSettings settings, MessageStatuses statuses, SimulatedAttachments sent, ConversationStates conversations) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan }; // per request: the notifications' timeout_ms

    public async Task<TeammateMessageResult?> SendAsync(string channelId, TeammateMessage message, CancellationToken ct)
    {
        if (store.FindChannel(channelId) is not { WebhookUrl: not null } channel)
        {
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var conversationId = message.ConversationId ?? store.CreateConversation(channelId, now);
        var host = channel.Host(options);
        var messageId = message.Autoreply ? null : message.MessageId ?? SimulatorStore.NewId("msg_");
        var related = new JsonObject { ["conversation"] = $"{host}/conversations/{conversationId}" };
        if (message.RepliedTo is { } repliedTo)
        {
            related["message_replied_to"] = $"{host}/messages/{repliedTo}";
        }

        var payload = new JsonObject
        {
            ["_links"] = new JsonObject { ["self"] = messageId is null ? null : $"{host}/messages/{messageId}", ["related"] = related },
        };
        if (messageId is not null)
        {
            payload["id"] = messageId;
        }

        payload["type"] = message.Autoreply ? "auto_reply" : "custom";
        payload["is_inbound"] = false;
        payload["draft_mode"] = null;
        payload["created_at"] = now;
        payload["subject"] = message.Subject ?? string.Empty;
        payload["blurb"] = FrontResources.Blurb(message.Body);
        payload["author"] = message.Autoreply ? null : new JsonObject
        {
            ["_links"] = new JsonObject { ["self"] = $"{host}/teammates/tea_sim", ["related"] = new JsonObject() },
            ["id"] = "tea_sim",
            ["email"] = message.AuthorEmail,
            ["username"] = message.AuthorEmail.Split('@')[0],
            ["first_name"] = "Sim",
            ["last_name"] = "Teammate",
            ["is_admin"] = false,
            ["is_available"] = true,
            ["is_blocked"] = false,
            ["type"] = "user",
            ["custom_fields"] = new JsonObject(),
        };
        payload["recipients"] = new JsonArray(FrontResources.Recipient(new MessageParty(message.To, null, "to")));
        payload["body"] = message.Body;
        payload["text"] = FrontResources.PlainText(message.Body);
        var attachments = AttachmentEndpoints.Keep(message.Attachments);
        payload["attachments"] = AttachmentEndpoints.AttachmentObjects(host, attachments);
        payload["metadata"] = new JsonObject();
        if (messageId is not null)
        {
            sent.RecordSent(channelId, messageId, payload, attachments); // GET /messages/{id} and its downloads serve it
        }

        var type = message.Autoreply ? "message_autoreply" : "message";
        var body = new JsonObject { ["type"] = type, ["payload"] = payload }.ToJsonString();
        var (status, answer) = await PostAsync(channel, body, ct).ConfigureAwait(false);
        if (status == 200 && AnsweredIds(answer) is var (externalId, externalConversationId))
        {
            statuses.RecordSent(channelId, messageId, conversationId, externalId, externalConversationId); // Front records the answer's ids
        }

        if (messageId is not null)
        {
            // Listed with the conversation's messages (GET /conversations/{id}/messages), with the answer's external id if any.
            conversations.RecordTeammateMessage(new TeammateSent(
                messageId, channelId, conversationId, message.Subject, message.Body, now, message.To, status == 200 ? AnsweredIds(answer)?.ExternalId : null));
        }

        return new TeammateMessageResult(status, answer, body, conversationId, messageId);
    }

    private static (string ExternalId, string ExternalConversationId)? AnsweredIds(string answer)
    {
        try
        {
            var root = JsonNode.Parse(answer);
            return root?["external_id"]?.GetValue<string>() is { Length: > 0 } id && root["external_conversation_id"]?.GetValue<string>() is { Length: > 0 } conversation
                ? (id, conversation)
                : null;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Sends <paramref name="body"/> again, signed now (Front retrying a request it got no answer to).</summary>
    public async Task<TeammateMessageResult?> RedeliverAsync(string channelId, string body, CancellationToken ct)
    {
        if (store.FindChannel(channelId) is not { WebhookUrl: not null } channel)
        {
            return null;
        }

        var (status, answer) = await PostAsync(channel, body, ct).ConfigureAwait(false);
        return new TeammateMessageResult(status, answer, body, string.Empty, null);
    }

    private async Task<(int Status, string Answer)> PostAsync(SimulatedChannel channel, string body, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var timestamp = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, channel.WebhookUrl);
        request.Content = new ByteArrayContent(bytes);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(WebhookSigner.TimestampHeader, timestamp);
        request.Headers.TryAddWithoutValidation(WebhookSigner.SignatureHeader, WebhookSigner.Sign(channel.AppSecret, timestamp, bytes));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(settings.Notifications.TimeoutMs ?? 10_000));
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false));
        }
        catch (HttpRequestException e)
        {
            return (0, e.Message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (0, "no answer within the timeout"); // Front gives up on the request and retries later, as on a dropped connection
        }
    }

    public void Dispose() => _http.Dispose();
}
