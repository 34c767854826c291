using System.Text.Json;
using FrontFunctions.Front;
using FrontFunctions.Http;
using FrontFunctions.IdMap;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Outbound;

/// <summary>
/// <c>POST /api/channels/{channelId}/messages/status</c>: the partner system reports that a message it was given (a
/// teammate's reply, or an outbound message it imported) could not reach the customer. Body
/// <c>{"external_id":…,"status":"failed","reason":…}</c> (<c>reason</c> optional, at most 500 characters, shown to the
/// teammate; <c>external_conversation_id</c> optional, one of the ids the map holds for the message's conversation). The
/// app calls Front's external message status endpoint with the external conversation id the id map holds for that message:
/// Front marks it failed and reopens the conversation. Answers: 200 <c>{"type":"message_status","status":"failed",…}</c>;
/// 400 a bad body; 404 an external id the map does not hold; Front's own 4xx passed on with its message (type
/// <c>front_refused</c>; 403 <c>front_forbidden</c> when Front refuses a channel token the route; 502 when Front refused the
/// app's own credentials); 410 a deleted channel; 503 when Front or storage is unavailable (retry; the call is idempotent).
/// Never 500. Also reached as <c>POST /api/channels/{channelId}/messages/{externalMessageId}/status</c> (the partner API).
/// </summary>
public sealed class PartnerStatusReports(IdMapStore map, FrontApiClient front, Channels.ChannelRegistry channels, ILogger<PartnerStatusReports> logger)
{
    public const int MaxReasonLength = 500;
    public const string DefaultReason = "The partner system reported the message failed.";

    public Task<HttpAnswer> ReportAsync(string channelId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        ReportAsync(channelId, null, body, cancellationToken);

    /// <param name="pathExternalId">The external id of the path (<c>POST /api/channels/{channelId}/messages/{externalMessageId}/status</c>),
    /// or null for the route without it: with it, the body's <c>external_id</c> may be left out, and when given must be the path's.</param>
    public async Task<HttpAnswer> ReportAsync(string channelId, string? pathExternalId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (!FrontIds.IsChannelId(channelId))
        {
            return HttpAnswer.BadRequest("The channel id in the path must be a Front channel id (cha_…).");
        }

        var (report, problem) = Parse(body, pathExternalId);
        if (report is null)
        {
            return HttpAnswer.BadRequest(problem!);
        }

        // Storage failing here is answered 503 by the HTTP edge (Http/HttpEdge.cs).
        if ((await channels.FindRecentAsync(channelId, cancellationToken).ConfigureAwait(false))?.Status == Channels.ChannelStatus.Deleted)
        {
            return HttpAnswer.Error(410, "gone", $"Channel {channelId} was deleted in Front: its messages can no longer be reported.");
        }

        var message = await map.FindMessageByExternalIdAsync(channelId, report.ExternalId, cancellationToken).ConfigureAwait(false);

        if (message is null)
        {
            return HttpAnswer.NotFound($"No message with external id \"{report.ExternalId}\" in channel {channelId}.");
        }

        var ids = message.ExternalConversationIds;
        string? conversation;
        if (report.ExternalConversationId is { } given)
        {
            if (!ids.Contains(given, StringComparer.Ordinal))
            {
                return HttpAnswer.BadRequest($"external_conversation_id \"{given}\" is not one of the ids of this message's conversation.");
            }

            conversation = given;
        }
        else
        {
            conversation = ids.Count > 0 ? ids[0] : null;
        }

        if (conversation is null)
        {
            return HttpAnswer.Error(409, "conflict", $"The map holds no external conversation id for \"{report.ExternalId}\" yet; retry later.");
        }

        try
        {
            await front.MarkMessageFailedAsync(channelId, conversation, report.ExternalId, report.Reason, cancellationToken).ConfigureAwait(false);
        }
        catch (FrontApiException e) when (e.Permanent && e.StatusCode == 403)
        {
            // Front refuses a channel token this route (its docs do not say which routes a channel token may use).
            OutboundLog.PartnerReported(logger, channelId, report.ExternalId, "403");
            return HttpAnswer.Error(403, "front_forbidden", $"Front does not allow a channel token to use PUT /channels/{{channel_id}}/conversations/{{conv_ext_id}}/messages/{{message_ext_id}}/status (403): {e.Message}");
        }
        catch (FrontApiException e) when (e.Permanent && e.StatusCode is 401)
        {
            OutboundLog.PartnerReported(logger, channelId, report.ExternalId, e.StatusCode.ToString()!);
            return HttpAnswer.Error(502, "front_refused", $"Front refused the app's channel token ({e.StatusCode}): {e.Message}");
        }
        catch (FrontApiException e) when (e.Permanent && e.StatusCode is { } status)
        {
            OutboundLog.PartnerReported(logger, channelId, report.ExternalId, status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return HttpAnswer.Error(status, "front_refused", e.Message);
        }
        catch (FrontApiException e)
        {
            OutboundLog.PartnerReported(logger, channelId, report.ExternalId, "unavailable");
            return HttpAnswer.Error(503, "front_unavailable", $"Front did not take the status now ({e.Message}); retry later.");
        }

        OutboundLog.PartnerReported(logger, channelId, report.ExternalId, "success");
        return HttpAnswer.Ok(new MessageStatusAnswer("message_status", report.ExternalId, conversation, "failed"));
    }

    private sealed record Report(string ExternalId, string Reason, string? ExternalConversationId);

    private static (Report? Report, string? Problem) Parse(ReadOnlyMemory<byte> body, string? pathExternalId)
    {
        var shape = pathExternalId is null
            ? "The body must be a JSON object: {\"external_id\":…,\"status\":\"failed\",\"reason\":…}."
            : "The body must be a JSON object: {\"status\":\"failed\",\"reason\":…}.";
        if (JsonText.TryParse(body, maxDepth: 8) is not { } document)
        {
            return (null, shape);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, shape);
            }

            string? externalId = null, status = null, reason = null, conversation = null;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("external_id" or "status" or "reason" or "external_conversation_id"))
                {
                    return (null, $"Unknown property \"{Short(property.Name)}\": give external_id, status, reason and optionally external_conversation_id.");
                }

                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    return (null, $"{property.Name} must be a string.");
                }

                var value = property.Value.GetString()!;
                switch (property.Name)
                {
                    case "external_id": externalId = value; break;
                    case "status": status = value; break;
                    case "reason": reason = value; break;
                    default: conversation = value; break;
                }
            }

            if (pathExternalId is not null)
            {
                if (externalId is not null && externalId != pathExternalId)
                {
                    return (null, "external_id in the body, when given, must be the external id of the path.");
                }

                externalId = pathExternalId;
            }

            if (string.IsNullOrEmpty(externalId) || externalId.Length > 200)
            {
                return (null, "external_id is required (1 to 200 characters).");
            }

            if (status != "failed")
            {
                return (null, "status must be \"failed\" (the only status Front takes).");
            }

            if (reason is { Length: > MaxReasonLength })
            {
                return (null, $"reason must be at most {MaxReasonLength} characters (it is shown to the teammate).");
            }

            if (conversation is { Length: 0 or > 200 })
            {
                return (null, "external_conversation_id, when given, must be 1 to 200 characters.");
            }

            return (new Report(externalId, string.IsNullOrWhiteSpace(reason) ? DefaultReason : reason, conversation), null);
        }
    }

    private static string Short(string text) => text.Length > 50 ? text[..50] + "…" : text;
}

/// <summary>The answer to a status report: the ids Front was given.</summary>
public sealed record MessageStatusAnswer(
    [property: System.Text.Json.Serialization.JsonPropertyName("type")] string Type,
    [property: System.Text.Json.Serialization.JsonPropertyName("external_id")] string ExternalId,
    [property: System.Text.Json.Serialization.JsonPropertyName("external_conversation_id")] string ExternalConversationId,
    [property: System.Text.Json.Serialization.JsonPropertyName("status")] string Status);
