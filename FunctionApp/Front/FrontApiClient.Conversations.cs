using System.Text.Json;

namespace FrontFunctions.Front;

/// <summary>
/// What Front answered to a partner API call: the status, the JSON body (null when none or not JSON), Front's own
/// <c>_error.message</c>, the <c>retry-after</c> of a 429, and the conversation Front redirected to (a merge it knows of).
/// </summary>
public sealed record FrontReply(int Status, JsonElement? Body, string? ErrorMessage, TimeSpan? RetryAfter, string? RedirectedTo = null)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>
/// The conversation and message routes a channel token reaches since Front's channel API change (core-api.json:
/// <c>/conversations/{id}*</c>, <c>/messages/{id}*</c>), for the partner API (<c>PartnerApi/</c>). Same pipeline as
/// enrichment's reads: retries (a write only after an outcome proving Front did not act: <see cref="FrontRetryPredicate"/>),
/// the rate gate and shared budget, a fresh channel token per attempt. Any HTTP status is returned as a <see cref="FrontReply"/>
/// for the caller to answer; only a call that got no answer throws <see cref="FrontApiException"/>.
/// </summary>
public sealed partial class FrontApiClient
{
    /// <summary><c>GET /conversations/{id}</c>, following a 301 (merged) to the survivor.</summary>
    public Task<FrontReply> GetConversationStateAsync(string channelId, string conversationId, CancellationToken cancellationToken = default) =>
        CallAsync(channelId, HttpMethod.Get, "conversations/" + Uri.EscapeDataString(conversationId), null, cancellationToken);

    /// <summary><c>GET /conversations/{id}/inboxes</c>: the inboxes the conversation is listed in (<c>listOfInboxes</c>).</summary>
    public Task<FrontReply> ListConversationInboxesAsync(string channelId, string conversationId, CancellationToken cancellationToken = default) =>
        CallAsync(channelId, HttpMethod.Get, $"conversations/{Uri.EscapeDataString(conversationId)}/inboxes", null, cancellationToken);

    /// <summary><c>PATCH /conversations/{id}</c> with an <c>UpdateConversation</c> body (204).</summary>
    public Task<FrontReply> UpdateConversationAsync(string channelId, string conversationId, byte[] body, CancellationToken cancellationToken = default) =>
        CallAsync(channelId, HttpMethod.Patch, "conversations/" + Uri.EscapeDataString(conversationId), body, cancellationToken);

    /// <summary><c>POST</c> (add) or <c>DELETE</c> (remove) <c>/conversations/{id}/tags</c> with <c>{"tag_ids":[…]}</c> (204).</summary>
    public Task<FrontReply> ChangeTagsAsync(string channelId, string conversationId, bool add, IReadOnlyList<string> tagIds, CancellationToken cancellationToken = default) =>
        CallAsync(
            channelId, add ? HttpMethod.Post : HttpMethod.Delete, $"conversations/{Uri.EscapeDataString(conversationId)}/tags",
            JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, IReadOnlyList<string>> { ["tag_ids"] = tagIds }), cancellationToken);

    /// <summary><c>POST /conversations/{id}/comments</c> with a <c>CreateComment</c> body (201, the comment).</summary>
    public Task<FrontReply> AddCommentAsync(string channelId, string conversationId, byte[] body, CancellationToken cancellationToken = default) =>
        CallAsync(channelId, HttpMethod.Post, $"conversations/{Uri.EscapeDataString(conversationId)}/comments", body, cancellationToken);

    /// <summary>
    /// <c>GET /conversations/{id}/messages</c>: one page, newest first (Front's order), <paramref name="pageToken"/> the
    /// <c>page_token</c> of a previous page's <c>_pagination.next</c>.
    /// </summary>
    public Task<FrontReply> ListConversationMessagesAsync(string channelId, string conversationId, int limit, string? pageToken, CancellationToken cancellationToken = default)
    {
        var path = $"conversations/{Uri.EscapeDataString(conversationId)}/messages?limit={limit}"
            + (pageToken is null ? "" : "&page_token=" + Uri.EscapeDataString(pageToken));
        return CallAsync(channelId, HttpMethod.Get, path, null, cancellationToken);
    }

    /// <summary><c>POST /messages/{id}/seen</c> with <c>{}</c> (204). Front allows 10 per message per hour.</summary>
    public Task<FrontReply> MarkSeenAsync(string channelId, string messageId, CancellationToken cancellationToken = default) =>
        CallAsync(channelId, HttpMethod.Post, $"messages/{Uri.EscapeDataString(messageId)}/seen", "{}"u8.ToArray(), cancellationToken);

    /// <summary><c>GET /messages/{id}/seen</c>: the message's seen receipts.</summary>
    public Task<FrontReply> GetSeenAsync(string channelId, string messageId, CancellationToken cancellationToken = default) =>
        CallAsync(channelId, HttpMethod.Get, $"messages/{Uri.EscapeDataString(messageId)}/seen", null, cancellationToken);

    /// <summary>
    /// One call; a conversation route answered with a redirect (the conversation was merged: Front did not act) is made again
    /// on the survivor, the reply then naming it in <see cref="FrontReply.RedirectedTo"/>.
    /// </summary>
    private async Task<FrontReply> CallAsync(string channelId, HttpMethod method, string path, byte[]? body, CancellationToken cancellationToken)
    {
        string? redirectedTo = null;
        for (var hop = 0; hop <= MaxRedirects; hop++)
        {
            using var response = await SendAsync(channelId, method, path, body is null ? null : body, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && SurvivorPath(path, response.Headers.Location) is { } moved)
            {
                (path, redirectedTo) = moved;
                continue;
            }

            var reply = await ReplyAsync(response, cancellationToken).ConfigureAwait(false);
            return redirectedTo is null ? reply : reply with { RedirectedTo = redirectedTo };
        }

        throw new FrontApiException($"{method.Method} /{path} redirected more than {MaxRedirects} times.", permanent: false, 301);
    }

    /// <summary>
    /// <paramref name="path"/> (<c>conversations/{id}…</c>) with the conversation of <paramref name="location"/> in place of its
    /// own, or null when the location names no other conversation. Front's links may use any host: only the path is read.
    /// </summary>
    private static (string Path, string Survivor)? SurvivorPath(string path, Uri? location)
    {
        const string prefix = "conversations/";
        if (location is null || !path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var segments = (location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString.Split('?')[0]).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.IndexOf(segments, "conversations");
        var survivor = at >= 0 && at + 1 < segments.Length ? Uri.UnescapeDataString(segments[at + 1]) : null;
        var rest = path[prefix.Length..];
        var end = rest.IndexOfAny(['/', '?']);
        var current = Uri.UnescapeDataString(end < 0 ? rest : rest[..end]);
        return FrontIds.IsResourceId(survivor, "cnv_") && !string.Equals(survivor, current, StringComparison.Ordinal)
            ? (prefix + Uri.EscapeDataString(survivor!) + (end < 0 ? "" : rest[end..]), survivor!)
            : null;
    }

    private static async Task<FrontReply> ReplyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonElement? body = null;
        string? error = null;
        if (text.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                body = document.RootElement.Clone();
                if (body.Value.ValueKind == JsonValueKind.Object && body.Value.TryGetProperty("_error", out var e) && e.ValueKind == JsonValueKind.Object
                    && e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                {
                    error = m.GetString() is { Length: > 300 } longer ? longer[..300] : m.GetString();
                }
            }
            catch (JsonException)
            {
                body = null; // not JSON (a proxy's page): the status says enough
            }
        }

        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => (TimeSpan?)null,
        };
        return new FrontReply(status, body, error, retryAfter is { } r && r > TimeSpan.Zero ? r : retryAfter is null ? null : TimeSpan.Zero);
    }
}
