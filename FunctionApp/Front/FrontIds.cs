namespace FrontFunctions.Front;

/// <summary>Front's resource ids and the links that carry them.</summary>
public static class FrontIds
{
    public const int MaxIdLength = 100;

    /// <summary>
    /// The conversation id from a link such as <c>https://api2.frontapp.com/conversations/cnv_1</c> or
    /// <c>https://acme.api.frontapp.com/conversations/cnv_1</c>: Front links use either host, so the path is parsed,
    /// never the host. Returns null when the link is not a conversation link.
    /// </summary>
    public static string? ConversationIdFromLink(string? link)
    {
        if (string.IsNullOrWhiteSpace(link) || !Uri.TryCreate(link, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length < 2 || !string.Equals(segments[^2], "conversations", StringComparison.Ordinal))
        {
            return null;
        }

        var id = Uri.UnescapeDataString(segments[^1]);
        return IsResourceId(id, "cnv_") ? id : null;
    }

    /// <summary>True for an id such as <c>msg_1a2b</c>: the prefix, then letters, digits, '_' or '-'.</summary>
    public static bool IsResourceId(string? id, string prefix) =>
        id is not null
        && id.Length > prefix.Length
        && id.Length <= MaxIdLength
        && id.StartsWith(prefix, StringComparison.Ordinal)
        && id.AsSpan(prefix.Length).IndexOfAnyExcept(SafeIdChars) < 0;

    /// <summary>A channel id as it appears in routes and payloads (<c>cha_…</c>).</summary>
    public static bool IsChannelId(string? id) => IsResourceId(id, "cha_");

    private static readonly System.Buffers.SearchValues<char> SafeIdChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
}
