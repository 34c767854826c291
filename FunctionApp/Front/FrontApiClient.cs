using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace FrontFunctions.Front;

/// <summary>
/// The Channel API reads enrichment needs (docs/front-channel-api.md, "The endpoints the app calls"), each signed with a fresh channel
/// token. Registered as a typed client: retries (5xx, 408, 429, timeouts; never 401/403/404), the rate gate and the token
/// handler sit in its pipeline (see <c>EnrichmentServices</c>); automatic redirects are off so a merged conversation's 301
/// is seen and followed here.
/// </summary>
public sealed partial class FrontApiClient(HttpClient http)
{
    private const int MaxRedirects = 5;

    /// <summary><c>GET /messages/{message_id}</c>.</summary>
    public Task<FrontMessage> GetMessageAsync(string channelId, string messageId, CancellationToken cancellationToken = default) =>
        GetJsonAsync(channelId, "messages/" + Uri.EscapeDataString(messageId), FrontApiJsonContext.Default.FrontMessage, cancellationToken);

    /// <summary><c>GET /messages/alt:uid:{message_uid}</c>: 404 until Front has created the message.</summary>
    public Task<FrontMessage> GetMessageByUidAsync(string channelId, string messageUid, CancellationToken cancellationToken = default) =>
        GetJsonAsync(channelId, "messages/alt:uid:" + Uri.EscapeDataString(messageUid), FrontApiJsonContext.Default.FrontMessage, cancellationToken);

    /// <summary>
    /// <c>GET /channels/{channel_id}</c> with the channel's own token (core-api.json "Get channel"): whether Front still answers
    /// for the channel. True on 2xx; false on 401/403/404/410 (the token or the channel is refused: deleted, or the route is
    /// not granted to channel tokens — both read as "Front no longer vouches for it"). Anything else (5xx, 429, no answer)
    /// throws a non-permanent <see cref="FrontApiException"/>: the caller decides.
    /// </summary>
    public async Task<bool> ChannelAnswersAsync(string channelId, CancellationToken cancellationToken = default)
    {
        var path = "channels/" + Uri.EscapeDataString(channelId);
        using var response = await SendAsync(channelId, path, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        return status switch
        {
            >= 200 and < 300 => true,
            401 or 403 or 404 or 410 => false,
            _ => throw new FrontApiException($"GET /{path} answered {status} {response.ReasonPhrase}.", permanent: false, status),
        };
    }

    /// <summary>
    /// <c>POST /channels/{channel_id}/inbound_messages</c> or <c>/outbound_messages</c> (Front's sync import) with the body as
    /// given (an <c>InboundMessage</c> / <c>OutboundMessage</c>); returns the <c>message_uid</c> of Front's 202. Not idempotent
    /// (Front creates a message per request), so the pipeline retries it only after an outcome that proves Front did not act
    /// (a refused connection, a 429: <see cref="FrontRetryPredicate"/>); a timeout, a dropped connection or a 5xx ends the call
    /// with <see cref="FrontApiException.ProvedNotActed"/> false: the import may exist.
    /// </summary>
    public async Task<string> ImportAsync(string channelId, bool inbound, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        var path = $"channels/{Uri.EscapeDataString(channelId)}/{(inbound ? "inbound_messages" : "outbound_messages")}";
        using var response = await SendAsync(channelId, HttpMethod.Post, path, body, cancellationToken).ConfigureAwait(false);
        var accepted = await ReadAsync(response, path, FrontApiJsonContext.Default.FrontImportAccepted, cancellationToken, "POST").ConfigureAwait(false);
        return accepted.MessageUid is { Length: > 0 } uid
            ? uid
            : throw new FrontApiException($"POST /{path} answered {(int)response.StatusCode} without a message_uid.", permanent: false, (int)response.StatusCode);
    }

    /// <summary>
    /// <c>PUT /channels/{channel_id}/conversations/{conv_ext_id}/messages/{message_ext_id}/status</c> with
    /// <c>{"status":"failed","reason":…}</c> (channel-api.json, "Update external message status"): Front marks the outbound
    /// message failed and reopens its conversation. Idempotent, so retried by the pipeline like the reads. Throws
    /// <see cref="FrontApiException"/> on any other answer than 2xx, its reason carrying Front's own error message.
    /// </summary>
    public async Task MarkMessageFailedAsync(string channelId, string externalConversationId, string externalMessageId, string reason, CancellationToken cancellationToken = default)
    {
        var path = $"channels/{Uri.EscapeDataString(channelId)}/conversations/{Uri.EscapeDataString(externalConversationId)}/messages/{Uri.EscapeDataString(externalMessageId)}/status";
        var body = JsonSerializer.SerializeToUtf8Bytes(new FrontMessageStatus("failed", reason), FrontApiJsonContext.Default.FrontMessageStatus);
        using var response = await SendAsync(channelId, HttpMethod.Put, path, body, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var message = await FrontErrorMessageAsync(response, cancellationToken).ConfigureAwait(false);
        throw new FrontApiException(
            $"PUT /channels/{channelId}/conversations/…/messages/…/status answered {status}{(message is null ? "" : ": " + message)}",
            permanent: status is >= 400 and < 500 and not 408 and not 429, status);
    }

    /// <summary>Front's <c>_error.message</c> (at most 300 characters), or null.</summary>
    private static async Task<string?> FrontErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            var text = document.RootElement.TryGetProperty("_error", out var error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            return text is { Length: > 300 } ? text[..300] : text;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// <c>GET /conversations/{conversation_id}</c>, following 301 (the conversation was merged) to the survivor: the result
    /// carries the survivor's id and external ids, and whether a redirect happened.
    /// </summary>
    public async Task<FrontConversationResult> GetConversationAsync(string channelId, string conversationId, CancellationToken cancellationToken = default)
    {
        var current = conversationId;
        for (var hop = 0; hop <= MaxRedirects; hop++)
        {
            var path = "conversations/" + Uri.EscapeDataString(current);
            using var response = await SendAsync(channelId, path, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.MovedPermanently or HttpStatusCode.PermanentRedirect
                or HttpStatusCode.Found or HttpStatusCode.TemporaryRedirect or HttpStatusCode.SeeOther)
            {
                var survivor = SurvivorFrom(response.Headers.Location);
                if (survivor is null)
                {
                    throw new FrontApiException(
                        $"GET /{path} answered {(int)response.StatusCode} without a usable conversation Location.", permanent: true, (int)response.StatusCode);
                }

                if (string.Equals(survivor, current, StringComparison.Ordinal))
                {
                    throw new FrontApiException($"GET /{path} redirected to itself.", permanent: false, (int)response.StatusCode);
                }

                current = survivor;
                continue;
            }

            var conversation = await ReadAsync(response, path, FrontApiJsonContext.Default.FrontConversation, cancellationToken).ConfigureAwait(false);
            var id = FrontIds.IsResourceId(conversation.Id, "cnv_") ? conversation.Id! : current;
            return new FrontConversationResult(conversationId, id, conversation.ExternalConversationIds, !string.Equals(id, conversationId, StringComparison.Ordinal));
        }

        throw new FrontApiException($"GET /conversations/{conversationId} redirected more than {MaxRedirects} times.", permanent: false, 301);
    }

    private string? SurvivorFrom(Uri? location)
    {
        if (location is null)
        {
            return null;
        }

        var absolute = location.IsAbsoluteUri ? location : new Uri(http.BaseAddress ?? new Uri("https://api2.frontapp.com/"), location);
        return FrontIds.ConversationIdFromLink(absolute.AbsoluteUri);
    }

    private async Task<T> GetJsonAsync<T>(string channelId, string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(channelId, path, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, path, type, cancellationToken).ConfigureAwait(false);
    }

    private Task<HttpResponseMessage> SendAsync(string channelId, string path, CancellationToken cancellationToken) =>
        SendAsync(channelId, HttpMethod.Get, path, null, cancellationToken);

    private async Task<HttpResponseMessage> SendAsync(string channelId, HttpMethod method, string path, ReadOnlyMemory<byte>? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is { } content)
        {
            request.Content = new ReadOnlyMemoryContent(content);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        request.Options.Set(ChannelTokenHandler.ChannelId, channelId);
        request.Headers.Accept.ParseAdd("application/json");
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new FrontApiException($"{method.Method} /{path} failed after retries: {e.HttpRequestError}.", permanent: false, null, e)
            {
                NotSent = FrontRetryPredicate.ProvesNotSent(e),
            };
        }
        catch (TimeoutException e)
        {
            throw new FrontApiException($"{method.Method} /{path} timed out after retries.", permanent: false, null, e);
        }
        catch (Polly.Timeout.TimeoutRejectedException e)
        {
            throw new FrontApiException($"{method.Method} /{path} timed out after retries.", permanent: false, null, e);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string path, JsonTypeInfo<T> type, CancellationToken cancellationToken, string method = "GET")
    {
        var status = (int)response.StatusCode;
        if (!response.IsSuccessStatusCode)
        {
            var permanent = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound or HttpStatusCode.Gone
                || (method != "GET" && status is >= 400 and < 500 and not 408 and not 429);
            var meaning = response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => "the channel token was refused (wrong App UID or secret, or the channel was removed)",
                HttpStatusCode.Forbidden => "the channel token may not read this resource (another channel's, or the channel was removed)",
                HttpStatusCode.NotFound => "Front does not know this resource",
                HttpStatusCode.Gone => "the resource was deleted",
                HttpStatusCode.TooManyRequests => "rate limited, still after retries",
                HttpStatusCode.BadRequest => "Front refused the request",
                _ => permanent ? "permanent failure" : "still failing after retries",
            };
            throw new FrontApiException($"{method} /{path} answered {status} {response.ReasonPhrase}: {meaning}.", permanent, status);
        }

        try
        {
            return await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false)
                ?? throw new FrontApiException($"{method} /{path} answered {status} with an empty body.", permanent: false, status);
        }
        catch (JsonException e)
        {
            throw new FrontApiException($"{method} /{path} answered {status} with a body that is not the expected JSON.", permanent: false, status, e);
        }
    }
}
