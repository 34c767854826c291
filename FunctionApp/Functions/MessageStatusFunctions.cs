using FrontFunctions.Http;
using FrontFunctions.Ingest;
using FrontFunctions.Outbound;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using FrontFunctions.Webhooks;

namespace FrontFunctions.Functions;

/// <summary>
/// The partner system reports a message it could not deliver (function-key protected); Front is told it failed. All
/// decisions are in <see cref="PartnerStatusReports"/>.
/// </summary>
public sealed class MessageStatusFunctions(PartnerStatusReports reports)
{
    public const string StatusRoute = "channels/{channelId}/messages/status";

    /// <summary>Far above any real report (an id, a status and a reason of at most 500 characters).</summary>
    private const int MaxBodyBytes = 16 * 1024;

    [Function("ReportMessageStatus")]
    public async Task<IActionResult> Report(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = StatusRoute)] HttpRequest request,
        string channelId,
        CancellationToken cancellationToken)
    {
        if (request.ContentType is { Length: > 0 } contentType && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return HttpAnswer.UnsupportedMediaType("The body must be JSON (Content-Type application/json).").ToResult();
        }

        var body = await RequestBodyReader.ReadAsync(request.Body, request.ContentLength, MaxBodyBytes, cancellationToken);
        return body is null
            ? HttpAnswer.PayloadTooLarge($"The body is larger than {MaxBodyBytes} bytes.").ToResult()
            : (await reports.ReportAsync(channelId, body, cancellationToken)).ToResult();
    }
}
