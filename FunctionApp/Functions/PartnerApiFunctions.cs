using FrontFunctions.Http;
using FrontFunctions.Outbound;
using FrontFunctions.PartnerApi;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace FrontFunctions.Functions;

/// <summary>
/// The partner API by external id (docs/partner-api.md): conversations and messages in the partner's own ids, resolved
/// through the map and passed to Front with the channel token. Function-key protected. Ids in the path are URL-encoded
/// (a '/' as %2F). Bodies, answers and storage unavailability go through the HTTP edge (<see cref="HttpEdge"/>). All decisions are in <c>PartnerApi/</c>; the message status route is <see cref="PartnerStatusReports"/>.
/// </summary>
public sealed class PartnerApiFunctions(PartnerConversations conversations, PartnerMessages messages, SeenReceipts seen, PartnerStatusReports reports, HttpEdge edge)
{
    public const string ConversationRoute = "channels/{channelId}/conversations/{externalConversationId}";
    public const string ConversationMessagesRoute = ConversationRoute + "/messages";
    public const string CommentsRoute = ConversationRoute + "/comments";
    public const string SeenRoute = "channels/{channelId}/messages/{externalMessageId}/seen";
    public const string MessageStatusRoute = "channels/{channelId}/messages/{externalMessageId}/status";

    /// <summary>Far above any real change, comment or status report.</summary>
    private const int MaxBodyBytes = 128 * 1024;

    [Function("PartnerGetConversation")]
    public Task<IActionResult> GetConversation(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConversationRoute)] HttpRequest request,
        string channelId, string externalConversationId, CancellationToken cancellationToken) =>
        edge.AnswerAsync(request, ct => conversations.GetAsync(channelId, PartnerTargets.FromPath(externalConversationId), request.Query["include"].ToString(), ct), cancellationToken);

    [Function("PartnerUpdateConversation")]
    public Task<IActionResult> UpdateConversation(
        [HttpTrigger(AuthorizationLevel.Function, "patch", Route = ConversationRoute)] HttpRequest request,
        string channelId, string externalConversationId, CancellationToken cancellationToken) =>
        edge.AnswerJsonAsync(request, MaxBodyBytes,
            (body, ct) => conversations.UpdateAsync(channelId, PartnerTargets.FromPath(externalConversationId), body.ToArray(), ct), cancellationToken);

    [Function("PartnerListMessages")]
    public Task<IActionResult> ListMessages(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConversationMessagesRoute)] HttpRequest request,
        string channelId, string externalConversationId, CancellationToken cancellationToken) =>
        edge.AnswerAsync(request, ct => request.Query["limit"].Count > 1 || request.Query["cursor"].Count > 1
            ? Task.FromResult(HttpAnswer.BadRequest("Give limit and cursor at most once."))
            : messages.ListAsync(channelId, PartnerTargets.FromPath(externalConversationId), Query(request, "limit"), Query(request, "cursor"), ct),
            cancellationToken);

    [Function("PartnerAddComment")]
    public Task<IActionResult> AddComment(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = CommentsRoute)] HttpRequest request,
        string channelId, string externalConversationId, CancellationToken cancellationToken) =>
        edge.AnswerJsonAsync(request, MaxBodyBytes,
            (body, ct) => conversations.CommentAsync(channelId, PartnerTargets.FromPath(externalConversationId), body.ToArray(), ct), cancellationToken);

    [Function("PartnerMarkSeen")]
    public Task<IActionResult> MarkSeen(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = SeenRoute)] HttpRequest request,
        string channelId, string externalMessageId, CancellationToken cancellationToken) =>
        edge.AnswerAsync(request, ct => seen.MarkAsync(channelId, PartnerTargets.FromPath(externalMessageId), ct), cancellationToken);

    [Function("PartnerGetSeen")]
    public Task<IActionResult> GetSeen(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = SeenRoute)] HttpRequest request,
        string channelId, string externalMessageId, CancellationToken cancellationToken) =>
        edge.AnswerAsync(request, ct => seen.GetAsync(channelId, PartnerTargets.FromPath(externalMessageId), ct), cancellationToken);

    /// <summary>The message status report with the external id in the path: the same implementation as <c>ReportMessageStatus</c>.</summary>
    [Function("PartnerReportMessageStatus")]
    public Task<IActionResult> ReportStatus(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = MessageStatusRoute)] HttpRequest request,
        string channelId, string externalMessageId, CancellationToken cancellationToken) =>
        edge.AnswerJsonAsync(request, MaxBodyBytes,
            (body, ct) => reports.ReportAsync(channelId, PartnerTargets.FromPath(externalMessageId), body, ct), cancellationToken);

    private static string? Query(HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var values) ? values.ToString() : null;
}
