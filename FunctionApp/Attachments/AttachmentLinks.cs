using System.Globalization;
using System.Text.Json.Nodes;

namespace FrontFunctions.Attachments;

/// <summary>
/// The app's download URL of a message's n-th attachment (<c>GET /api/channels/{channelId}/messages/{externalMessageId}/attachments/{n}</c>),
/// written into the event the partner receives beside each attachment's name, content type and size.
/// </summary>
public static class AttachmentLinks
{
    /// <summary>The download function's route (under <c>/api</c>).</summary>
    public const string Route = "channels/{channelId}/messages/{externalMessageId}/attachments/{n}";

    public static string PathFor(string channelId, string externalMessageId, int n) =>
        string.Create(CultureInfo.InvariantCulture, $"api/channels/{Uri.EscapeDataString(channelId)}/messages/{Uri.EscapeDataString(externalMessageId)}/attachments/{n}");

    /// <summary>Adds <c>download_url</c> to each object of <c>data.attachments</c> (in Front's order: n is the index).</summary>
    public static void AddDownloadUrls(JsonObject data, Uri publicBaseUrl, string channelId, string externalMessageId)
    {
        if (data["attachments"] is not JsonArray attachments)
        {
            return;
        }

        for (var n = 0; n < attachments.Count; n++)
        {
            if (attachments[n] is JsonObject attachment)
            {
                attachment["download_url"] = new Uri(publicBaseUrl, PathFor(channelId, externalMessageId, n)).AbsoluteUri;
            }
        }
    }
}
