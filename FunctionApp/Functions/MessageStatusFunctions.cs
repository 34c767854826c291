using FrontFunctions.Http;
using FrontFunctions.Outbound;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace FrontFunctions.Functions;

/// <summary>
/// The partner system reports a message it could not deliver (function-key protected); Front is told it failed. All
/// decisions are in <see cref="PartnerStatusReports"/>; the body (JSON) is read and checked by the HTTP edge.
/// </summary>
public sealed class MessageStatusFunctions(PartnerStatusReports reports, HttpEdge edge)
{
    public const string StatusRoute = "channels/{channelId}/messages/status";

    /// <summary>Far above any real report (an id, a status and a reason of at most 500 characters).</summary>
    private const int MaxBodyBytes = 16 * 1024;

    [Function("ReportMessageStatus")]
    public Task<IActionResult> Report(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = StatusRoute)] HttpRequest request,
        string channelId,
        CancellationToken cancellationToken) =>
        edge.AnswerJsonAsync(request, MaxBodyBytes, (body, ct) => reports.ReportAsync(channelId, body, ct), cancellationToken);
}
