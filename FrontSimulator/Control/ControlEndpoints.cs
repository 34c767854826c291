using System.Text.Json;
using FrontSimulator.Diagnostics;
using FrontSimulator.Faults;
using FrontSimulator.Model;
using FrontSimulator.Notifications;
using FrontSimulator.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace FrontSimulator.Control;

/// <summary>The control API under <c>/_sim/</c> (see README.md). Exempt from rate limits, faults and counters.</summary>
internal static class ControlEndpoints
{
    public static void MapSimulatorControl(this IEndpointRouteBuilder app)
    {
        var sim = app.MapGroup("/_sim");

        sim.MapPost("/channels", async (HttpContext c, SimulatorStore store, ILogger<SimulatorStore> logger) =>
        {
            var body = await ReadAsync<ChannelRegistration>(c);
            if (body is null || string.IsNullOrEmpty(body.ChannelId) || string.IsNullOrEmpty(body.AppUid) || string.IsNullOrEmpty(body.AppSecret))
            {
                return Results.BadRequest(Problem("channel_id, app_uid and app_secret are required"));
            }

            Uri? webhook = null;
            if (body.WebhookUrl is not null && !Uri.TryCreate(body.WebhookUrl, UriKind.Absolute, out webhook))
            {
                return Results.BadRequest(Problem("webhook_url must be an absolute URL"));
            }

            if (body.Company is not null && !FrontRateLimiter.IsCompanyName(body.Company))
            {
                return Results.BadRequest(Problem("company must be a host label: lower-case letters, digits and inner hyphens"));
            }

            store.UpsertChannel(new SimulatedChannel(body.ChannelId, body.AppUid, body.AppSecret, webhook, body.Company));
            SimulatorLog.ChannelRegistered(logger, body.ChannelId);
            return Results.Json(new { channel_id = body.ChannelId, app_uid = body.AppUid, webhook_url = body.WebhookUrl }, statusCode: 201);
        });

        sim.MapDelete("/channels/{channel_id}", (string channel_id, SimulatorStore store) =>
            store.DeleteChannel(channel_id) ? Results.NoContent() : Results.NotFound(Problem("no such channel")));

        sim.MapGet("/channels/{channel_id}/conversations", (string channel_id, SimulatorStore store) =>
        {
            if (store.ChannelContents(channel_id) is not { } contents)
            {
                return Results.NotFound(Problem("no such channel"));
            }

            var conversations = contents.Conversations.Select(c => new ConversationSnapshot(
                c.Id,
                c.MergedInto,
                c.ExternalConversationIds,
                [.. contents.Messages.Where(m => c.MessageIds.Contains(m.Id)).Select(m => new MessageSnapshot(
                    m.Id, m.Uid, m.ExternalId, m.ExternalConversationId, m.IsInbound, m.ConversationId))])).ToList();
            return Results.Json(new ChannelSnapshot(channel_id, conversations, contents.PendingUids), ControlJson.Options);
        });

        sim.MapGet("/channels/{channel_id}/sent-messages", (string channel_id, SimulatorStore store, MessageStatuses statuses) =>
            store.FindChannel(channel_id) is null
                ? Results.NotFound(Problem("no such channel"))
                : Results.Json(
                    new SentMessagesSnapshot(channel_id, [.. statuses.OfChannel(channel_id).Select(m => new SentMessageSnapshot(
                        m.MessageId, m.ConversationId, m.ExternalId, m.ExternalConversationId, m.Status, m.Reason, m.FailedCalls, m.ConversationReopened))]),
                    new System.Text.Json.JsonSerializerOptions(ControlJson.Options) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never }));

        sim.MapPost("/channels/{channel_id}/conversations", (string channel_id, SimulatorStore store, TimeProvider time) =>
            store.FindChannel(channel_id) is null
                ? Results.NotFound(Problem("no such channel"))
                : Results.Json(new NewConversation(store.CreateConversation(channel_id, time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0)), ControlJson.Options, statusCode: 201));

        sim.MapPost("/channels/{channel_id}/messages", async (string channel_id, HttpContext c, SimulatorStore store, OutboundMessageSender sender) =>
        {
            var body = await ReadAsync<TeammateMessage>(c);
            if (body is null)
            {
                return Results.BadRequest(Problem("a JSON body is required"));
            }

            if (body.ConversationId is { } conversationId && store.FindConversation(conversationId) is null)
            {
                return Results.BadRequest(Problem("conversation_id must name an existing conversation (or be null for a new one)"));
            }

            return await sender.SendAsync(channel_id, body, c.RequestAborted) is { } result
                ? Results.Json(result, ControlJson.Options)
                : Results.NotFound(Problem("no such channel, or it has no webhook_url"));
        });

        sim.MapPost("/channels/{channel_id}/redeliver", async (string channel_id, HttpContext c, OutboundMessageSender sender) =>
        {
            var body = await ReadAsync<Redelivery>(c);
            if (body is null || string.IsNullOrEmpty(body.Request))
            {
                return Results.BadRequest(Problem("request (the body to send again) is required"));
            }

            return await sender.RedeliverAsync(channel_id, body.Request, c.RequestAborted) is { } result
                ? Results.Json(result, ControlJson.Options)
                : Results.NotFound(Problem("no such channel, or it has no webhook_url"));
        });

        // Front delivering a message's message_imported notification again (one attempt, now): what the webhook answered.
        // Sent as a redelivery is (signed afresh, one attempt, the notifications' timeout_ms, not counted).
        sim.MapPost("/messages/{message_id}/notify", async (string message_id, HttpContext c, NotificationDispatcher dispatcher, OutboundMessageSender sender) =>
            dispatcher.NotificationOf(message_id) is { } notification
                && await sender.RedeliverAsync(notification.ChannelId, notification.Body, c.RequestAborted) is { } result
                ? Results.Json(result with { ConversationId = notification.ConversationId, MessageId = message_id }, ControlJson.Options)
                : Results.NotFound(Problem("no such message, or its channel has no webhook_url")));

        sim.MapPost("/merge", async (HttpContext c, SimulatorStore store, TimeProvider time, ILogger<SimulatorStore> logger) =>
        {
            var body = await ReadAsync<MergeRequest>(c);
            if (body is null || string.IsNullOrEmpty(body.From) || string.IsNullOrEmpty(body.Into))
            {
                return Results.BadRequest(Problem("from and into are required"));
            }

            if (store.Merge(body.From, body.Into, time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0) is { } error)
            {
                return Results.BadRequest(Problem(error));
            }

            SimulatorLog.Merged(logger, body.From, body.Into);
            return Results.Json(new { survivor = store.SurvivorOf(body.Into)!.Id });
        });

        sim.MapPut("/rate-limit", async (HttpContext c, FrontRateLimiter limiter) =>
        {
            var body = await ReadAsync<RateLimitSettings>(c);
            if (body is null || body.RequestsPerMinute is < 1 || body.BurstPerSecond is < 1)
            {
                return Results.BadRequest(Problem("requests_per_minute and burst_per_second must be positive"));
            }

            limiter.Configure(body.RequestsPerMinute ?? limiter.RequestsPerMinute, body.BurstPerSecond ?? limiter.BurstPerSecond);
            return Results.NoContent();
        });

        sim.MapPut("/companies/{company}/rate-limit", async (HttpContext c, string company, FrontRateLimiter limiter) =>
        {
            var body = await ReadAsync<CompanyRateLimit>(c);
            if (!FrontRateLimiter.IsCompanyName(company) || body is null || body.RequestsPerMinute < 1)
            {
                return Results.BadRequest(Problem("the company must be a host label and requests_per_minute positive"));
            }

            limiter.ConfigureCompany(company, body.RequestsPerMinute);
            return Results.NoContent();
        });

        sim.MapPut("/notifications", async (HttpContext c, RuntimeSettings settings) =>
        {
            var body = await ReadAsync<NotificationSettings>(c);
            if (body is null || body.DelayMs is < 0 || body.MaxAttempts is < 1 || body.RetryBaseDelayMs is < 0
                || body.DuplicateRate is < 0 or > 1 || body.OutOfOrderRate is < 0 or > 1 || body.TimeoutMs is < 1)
            {
                return Results.BadRequest(Problem(
                    "delay_ms and retry_base_delay_ms must be >= 0, max_attempts and timeout_ms >= 1, duplicate_rate and out_of_order_rate within 0..1"));
            }

            settings.Update(body);
            return Results.NoContent();
        });

        sim.MapPut("/import-delay", async (HttpContext c, RuntimeSettings settings) =>
        {
            var body = await ReadAsync<ImportDelaySettings>(c);
            if (body is null || body.DelayMs < 0)
            {
                return Results.BadRequest(Problem("delay_ms must be >= 0"));
            }

            settings.ImportDelayMs = body.DelayMs;
            return Results.NoContent();
        });

        sim.MapPut("/faults", async (HttpContext c, FaultInjector faults) =>
        {
            var body = await ReadAsync<FaultSettings>(c);
            if (body is null || body.ErrorRate is < 0 or > 1 || body.DropRate is < 0 or > 1 || body.LatencyMs is < 0 || body.Burst429 is < 0
                || body.SpikeRate is < 0 or > 1 || body.SpikeMs is < 0 || !ImportAnswerFaults.IsKnown(body.ImportAnswer) || body.ImportAnswerDelayMs is < 0)
            {
                return Results.BadRequest(Problem(
                    "error_rate, drop_rate and spike_rate must be within 0..1, latency_ms, spike_ms, burst_429 and import_answer_delay_ms >= 0, import_answer none, drop or delay"));
            }

            faults.Update(body);
            return Results.NoContent();
        });

        sim.MapGet("/settings", (FrontRateLimiter limiter, RuntimeSettings settings, FaultInjector faults, SimulatorOptions options) =>
            Results.Json(
                new SimulatorSettingsSnapshot(
                    new RateLimitSettings { RequestsPerMinute = limiter.RequestsPerMinute, BurstPerSecond = limiter.BurstPerSecond },
                    settings.Notifications,
                    settings.ImportDelayMs,
                    faults.Current,
                    options.CompanyHost),
                ControlJson.Options));

        sim.MapGet("/counters", (RequestCounters counters) => Results.Json(counters.Snapshot(), ControlJson.Options));

        sim.MapPost("/reset", (
            SimulatorLifetime lifetime, SimulatorStore store, MessageStatuses statuses, ConversationStates conversationStates, ChannelTokenRefusals refusals, RuntimeSettings settings, FrontRateLimiter limiter, FaultInjector faults,
            RequestCounters counters, NotificationDispatcher notifications, SimulatedAttachments attachments, ILogger<SimulatorStore> logger) =>
        {
            lifetime.Renew();
            store.Reset();
            attachments.Reset();
            statuses.Reset();
            conversationStates.Reset();
            refusals.Reset();
            settings.Reset();
            limiter.Reset();
            faults.Reset();
            counters.Reset();
            notifications.Reset();
            SimulatorLog.Reset(logger);
            return Results.NoContent();
        });
    }

    private static object Problem(string message) => new { error = message };

    private static async Task<T?> ReadAsync<T>(HttpContext context)
        where T : class
    {
        try
        {
            return await context.Request.ReadFromJsonAsync<T>(ControlJson.Options, context.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null; // not JSON content
        }
    }
}
