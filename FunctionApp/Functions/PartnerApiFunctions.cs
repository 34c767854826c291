using FrontFunctions.Http;
using FrontFunctions.Outbound;
using FrontFunctions.PartnerApi;
using FrontFunctions.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace FrontFunctions.Functions;

/// <summary>
/// The partner API by external id (docs/partner-api.md): conversations and messages in the partner's own ids, resolved
/// through the map and passed to Front with the channel token. Function-key protected. Ids in the path are URL-encoded
/// (a '/' as %2F). All decisions are in <c>PartnerApi/</c>; the message status route is <see cref="PartnerStatusReports"/>.
/// </summary>
public sealed class PartnerApiFunctions(PartnerConversations conversations, PartnerMessages messages, SeenReceipts seen, PartnerStatusReports reports)
{
    public const string ConversationRoute = "channels/{channelId}/conversations/{externalConversationId}";
    public const string ConversationMessagesRoute = ConversationRoute + "/messages";
    public const string CommentsRoute = ConversationRoute + "/comments";
    public const string SeenRoute = "channels/{channelId}/messages/{externalMessageId}/seen";
    public const string MessageStatusRoute = "channels/{channelId}/messages/{externalMessageId}/status";

    /// <summary>Far above any real change, comment or status report.</summary>
    private const int MaxBodyBytes = 128 * 1024;

    [Function("PartnerGetConversation")]
    public async Task<IActionResult> GetConversation(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConversationRoute)] HttpRequest request,
        string channelId, string externalConversationId, CancellationToken cancellationToken) =>
        Result(request, await conversations.GetAsync(channelId, PartnerTargets.FromPath(externalConversationId), cancellationToken));

    [Function("PartnerUpdateConversation")]
    public async Task<IActionResult> UpdateConversation(
        [HttpTrigger(AuthorizationLevel.Function, "patch", Route = ConversationRoute)] HttpRequest request,
        string channelId, string externalConversationId, CancellationToken cancellationToken) =>
        await ReadJsonAsync(request, cancellationToken) is not { } body ? Refused(request)
            : Result(request, await conversations.UpdateAsync(channelId, PartnerTargets.FromPath(externalConversationId), body, cancellationToken));

    [Function("PartnerListMessages")]
    public async Task<IActionResult> ListMessages(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConversationMessagesRoute)] HttpRequest request,
        string channelId, string externalConversationId, CancellationToken cancellationToken) =>
        request.Query["limit"].Count > 1 || request.Query["cursor"].Count > 1
            ? HttpAnswer.BadRequest("Give limit and cursor at most once.").ToResult()
            : Result(request, await messages.ListAsync(
                channelId, PartnerTargets.FromPath(externalConversationId), Query(request, "limit"), Query(request, "cursor"), cancellationToken));

    [Function("PartnerAddComment")]
    public async Task<IActionResult> AddComment(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = CommentsRoute)] HttpRequest request,
        string channelId, string externalConversationId, CancellationToken cancellationToken) =>
        await ReadJsonAsync(request, cancellationToken) is not { } body ? Refused(request)
            : Result(request, await conversations.CommentAsync(channelId, PartnerTargets.FromPath(externalConversationId), body, cancellationToken));

    [Function("PartnerMarkSeen")]
    public async Task<IActionResult> MarkSeen(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = SeenRoute)] HttpRequest request,
        string channelId, string externalMessageId, CancellationToken cancellationToken) =>
        Result(request, await seen.MarkAsync(channelId, PartnerTargets.FromPath(externalMessageId), cancellationToken));

    [Function("PartnerGetSeen")]
    public async Task<IActionResult> GetSeen(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = SeenRoute)] HttpRequest request,
        string channelId, string externalMessageId, CancellationToken cancellationToken) =>
        Result(request, await seen.GetAsync(channelId, PartnerTargets.FromPath(externalMessageId), cancellationToken));

    /// <summary>The message status report with the external id in the path: the same implementation as <c>ReportMessageStatus</c>.</summary>
    [Function("PartnerReportMessageStatus")]
    public async Task<IActionResult> ReportStatus(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = MessageStatusRoute)] HttpRequest request,
        string channelId, string externalMessageId, CancellationToken cancellationToken) =>
        await ReadJsonAsync(request, cancellationToken) is not { } body ? Refused(request)
            : Result(request, await reports.ReportAsync(channelId, PartnerTargets.FromPath(externalMessageId), body, cancellationToken));

    /// <summary>The body, or null when it is not JSON or too large (<see cref="Refused"/> says which).</summary>
    private static async Task<byte[]?> ReadJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentType is { Length: > 0 } contentType && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return await RequestBodyReader.ReadAsync(request.Body, request.ContentLength, MaxBodyBytes, cancellationToken);
    }

    private static IActionResult Refused(HttpRequest request) =>
        (request.ContentType is { Length: > 0 } contentType && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase)
            ? HttpAnswer.UnsupportedMediaType("The body must be JSON (Content-Type application/json).")
            : HttpAnswer.PayloadTooLarge($"The body is larger than {MaxBodyBytes} bytes.")).ToResult();

    private static IActionResult Result(HttpRequest request, HttpAnswer answer)
    {
        if (answer.Body is PartnerRetryLater later)
        {
            request.HttpContext.Response.Headers.RetryAfter = later.RetryAfterHeader;
        }

        return answer.ToResult();
    }

    private static string? Query(HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var values) ? values.ToString() : null;
}
