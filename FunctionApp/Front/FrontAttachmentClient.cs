using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FrontFunctions.Front;

/// <summary>A file to send to Front in a multipart import (<c>attachments[]</c>).</summary>
public sealed record FrontUploadFile(string FileName, string ContentType, ReadOnlyMemory<byte> Content);

/// <summary>One of a message's <c>attachments</c> (core-api.json <c>Attachment</c>): what a download needs.</summary>
public sealed record FrontAttachment
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("filename")] public string? FileName { get; init; }
    [JsonPropertyName("url")] public string? Url { get; init; }
    [JsonPropertyName("content_type")] public string? ContentType { get; init; }
    [JsonPropertyName("size")] public long? Size { get; init; }
}

/// <summary>The <c>attachments</c> of a <c>MessageResponse</c>.</summary>
public sealed record FrontMessageAttachments
{
    [JsonPropertyName("attachments")] public IReadOnlyList<FrontAttachment>? Attachments { get; init; }
}

/// <summary>
/// Front's refusal of a call, as the caller should pass it on: the status, Front's own <c>_error.message</c> and, on a 429,
/// Front's <c>retry-after</c> in seconds.
/// </summary>
public sealed record FrontRefusal(int Status, string? FrontMessage, int? RetryAfterSeconds);

/// <summary>
/// Front's attachment calls with the channel token: a message's attachment list, the download streamed (headers read, body
/// left on the wire), and the sync import as <c>multipart/form-data</c>. It uses the <see cref="FrontApiClient"/>'s own
/// named <see cref="HttpClient"/> (<see cref="ClientName"/>), so every call goes through the same pipeline: retry, rate gate
/// and shared budget, attempt timeout, a fresh channel token.
/// </summary>
public sealed class FrontAttachmentClient(IHttpClientFactory clients)
{
    /// <summary>The name <c>AddHttpClient&lt;FrontApiClient&gt;</c> registers its pipeline under (the type's name).</summary>
    public const string ClientName = nameof(FrontApiClient);

    /// <summary><c>GET /messages/{message_id}</c>: the message's attachments, or Front's refusal.</summary>
    public async Task<(IReadOnlyList<FrontAttachment>? Attachments, FrontRefusal? Refusal)> GetAttachmentsAsync(string channelId, string messageId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(channelId, HttpMethod.Get, "messages/" + Uri.EscapeDataString(messageId), null, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return (null, await RefusalAsync(response, cancellationToken).ConfigureAwait(false));
        }

        try
        {
            var message = await response.Content.ReadFromJsonAsync(FrontAttachmentJsonContext.Default.FrontMessageAttachments, cancellationToken).ConfigureAwait(false);
            return (message?.Attachments ?? [], null);
        }
        catch (JsonException e)
        {
            throw new FrontApiException($"GET /messages/{messageId} answered {(int)response.StatusCode} with a body that is not a message.", permanent: false, (int)response.StatusCode, e);
        }
    }

    /// <summary>
    /// <c>GET /messages/{message_id}/download/{attachment_link_id}</c> (core-api.json, "Should be used by partner channels"),
    /// returned as soon as Front's headers are in: the caller reads the body as a stream and disposes the response. A
    /// refusal is returned read and disposed.
    /// </summary>
    public async Task<(HttpResponseMessage? Response, FrontRefusal? Refusal)> DownloadAsync(string channelId, string messageId, string attachmentId, CancellationToken cancellationToken)
    {
        var path = $"messages/{Uri.EscapeDataString(messageId)}/download/{Uri.EscapeDataString(attachmentId)}";
        var response = await SendAsync(channelId, HttpMethod.Get, path, null, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return (response, null);
        }

        using (response)
        {
            return (null, await RefusalAsync(response, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>
    /// <c>POST /channels/{channel_id}/inbound_messages</c> or <c>/outbound_messages</c> as <c>multipart/form-data</c>
    /// (channel-api.json: attachments "Must use Content-Type: multipart/form-data"): the JSON body's properties flattened into
    /// form fields as https://dev.frontapp.com/docs/attachments-1 describes (<c>sender[handle]</c>, <c>to[0][handle]</c>), one
    /// <c>attachments[]</c> part per file. Same outcomes as <see cref="FrontApiClient.ImportAsync"/>: the uid of Front's 202,
    /// or a <see cref="FrontApiException"/> whose <see cref="FrontApiException.ProvedNotActed"/> says whether Front may have it.
    /// </summary>
    public async Task<string> ImportAsync(string channelId, bool inbound, ReadOnlyMemory<byte> json, IReadOnlyList<FrontUploadFile> files, CancellationToken cancellationToken)
    {
        var path = $"channels/{Uri.EscapeDataString(channelId)}/{(inbound ? "inbound_messages" : "outbound_messages")}";
        using var form = new MultipartFormDataContent();
        using (var document = JsonDocument.Parse(json))
        {
            foreach (var property in document.RootElement.EnumerateObject())
            {
                AddField(form, property.Name, property.Value);
            }
        }

        foreach (var file in files)
        {
            var part = new ReadOnlyMemoryContent(file.Content);
            part.Headers.ContentType = MediaTypeHeaderValue.Parse(file.ContentType);
            form.Add(part, "attachments[]", file.FileName);
        }

        using var response = await SendAsync(channelId, HttpMethod.Post, path, form, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (!response.IsSuccessStatusCode)
        {
            var refusal = await RefusalAsync(response, cancellationToken).ConfigureAwait(false);
            throw new FrontApiException(
                $"POST /{path} answered {status}{(refusal.FrontMessage is { } m ? ": " + m : "")}.",
                permanent: status is >= 400 and < 500 and not 408 and not 429, status);
        }

        try
        {
            var accepted = await response.Content.ReadFromJsonAsync(FrontApiJsonContext.Default.FrontImportAccepted, cancellationToken).ConfigureAwait(false);
            return accepted?.MessageUid is { Length: > 0 } uid
                ? uid
                : throw new FrontApiException($"POST /{path} answered {status} without a message_uid.", permanent: false, status);
        }
        catch (JsonException e)
        {
            throw new FrontApiException($"POST /{path} answered {status} with a body that is not the expected JSON.", permanent: false, status, e);
        }
    }

    /// <summary>One JSON property as form fields: objects as <c>name[key]</c>, arrays as <c>name[i]</c>, values as text.</summary>
    private static void AddField(MultipartFormDataContent form, string name, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    AddField(form, $"{name}[{property.Name}]", property.Value);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    AddField(form, string.Create(CultureInfo.InvariantCulture, $"{name}[{i++}]"), item);
                }

                break;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                break;
            default:
                form.Add(new StringContent(value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText()), name);
                break;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string channelId, HttpMethod method, string path, HttpContent? content, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Options.Set(ChannelTokenHandler.ChannelId, channelId);
        try
        {
            return await clients.CreateClient(ClientName).SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new FrontApiException($"{method.Method} /{path} failed after retries: {e.HttpRequestError}.", permanent: false, null, e)
            {
                NotSent = FrontRetryPredicate.ProvesNotSent(e),
            };
        }
        catch (Exception e) when (e is TimeoutException or Polly.Timeout.TimeoutRejectedException)
        {
            throw new FrontApiException($"{method.Method} /{path} timed out after retries.", permanent: false, null, e);
        }
    }

    private static async Task<FrontRefusal> RefusalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            message = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("_error", out var error)
                && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
                ? m.GetString() : null;
        }
        catch (JsonException)
        {
        }

        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => (int)Math.Ceiling(delta.TotalSeconds),
            { Date: { } date } => (int)Math.Max(1, Math.Ceiling((date - DateTimeOffset.UtcNow).TotalSeconds)),
            _ => (int?)null,
        };
        return new FrontRefusal((int)response.StatusCode, message is { Length: > 300 } ? message[..300] : message,
            response.StatusCode == HttpStatusCode.TooManyRequests ? retryAfter ?? 10 : retryAfter);
    }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(FrontMessageAttachments))]
internal sealed partial class FrontAttachmentJsonContext : JsonSerializerContext;
