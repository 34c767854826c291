namespace FrontFunctions.Telemetry;

/// <summary>
/// Front API paths as route templates for metric tags: <c>/messages/msg_123</c> → <c>/messages/{message_id}</c>. An id never
/// reaches a tag (each would be its own time series); a path of no known shape is <c>other</c>. The templates are Front's
/// own (docs/front-channel-api.md "The endpoints the app calls"), spelled as the simulator counts them.
/// </summary>
public static class FrontRoutes
{
    public const string Other = "other";

    public static string Template(Uri? uri)
    {
        if (uri is null)
        {
            return Other;
        }

        var path = uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString.Split('?', 2)[0];
        return Template(path);
    }

    public static string Template(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments switch
        {
            ["messages", var id] when Unescape(id).StartsWith("alt:uid:", StringComparison.Ordinal) => "/messages/alt:uid:{message_uid}",
            ["messages", _] => "/messages/{message_id}",
            ["conversations", _] => "/conversations/{conversation_id}",
            ["channels", _, "inbound_messages"] => "/channels/{channel_id}/inbound_messages",
            ["channels", _, "outbound_messages"] => "/channels/{channel_id}/outbound_messages",
            ["channels", _] => "/channels/{channel_id}",
            _ => Other,
        };
    }

    private static string Unescape(string segment) => Uri.UnescapeDataString(segment);
}
