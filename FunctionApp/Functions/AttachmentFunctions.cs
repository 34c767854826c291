using FrontFunctions.Attachments;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace FrontFunctions.Functions;

/// <summary>
/// The partner downloads an attachment of a teammate's message (function-key protected): the event's
/// <c>attachments[n].download_url</c>. All decisions are in <see cref="AttachmentDownload"/>; the file is streamed from Front.
/// </summary>
public sealed class AttachmentFunctions(AttachmentDownload downloads)
{
    [Function("DownloadAttachment")]
    public Task<IActionResult> Download(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = AttachmentLinks.Route)] HttpRequest request,
        string channelId,
        string externalMessageId,
        string n,
        CancellationToken cancellationToken) =>
        downloads.OpenAsync(channelId, externalMessageId, n, cancellationToken);
}
