using System.Globalization;
using FrontSimulator.Api;
using FrontSimulator.Auth;
using FrontSimulator.Diagnostics;
using FrontSimulator.Faults;
using FrontSimulator.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FrontSimulator.Pipeline;

/// <summary>
/// Everything in front of a Front API endpoint, in order: counting (route template × status), injected faults
/// (latency, dropped connection, 429 burst, 5xx), the bearer token (401), the rate limits (429). The control API
/// (/_sim/…) passes straight through: it is neither limited, faulted nor counted.
/// </summary>
internal sealed class FrontApiMiddleware(
    RequestDelegate next,
    FaultInjector faults,
    ChannelTokenValidator tokens,
    FrontRateLimiter rateLimiter,
    RequestCounters counters,
    Model.SimulatorStore store,
    ILogger<FrontApiMiddleware> logger)
{
    private const string CallerKey = "front-sim-caller";
    private const string DroppedKey = "front-sim-dropped";

    /// <summary>An endpoint aborted the connection after acting (an injected lost answer): counted as dropped.</summary>
    public static void MarkDropped(HttpContext context)
    {
        context.Items[DroppedKey] = true;
        context.RequestServices.GetRequiredService<RequestCounters>().ConnectionDropped();
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/_sim"))
        {
            await next(context);
            return;
        }

        var route = RouteName(context);
        var dropped = false;
        string? company = null;
        try
        {
            dropped = await HandleAsync(context, route, c => company = c);
        }
        finally
        {
            dropped |= context.Items.ContainsKey(DroppedKey);
            counters.Request(route, dropped ? "dropped" : context.Response.StatusCode.ToString(CultureInfo.InvariantCulture), company);
        }
    }

    public static ApiCaller Caller(HttpContext context) => (ApiCaller)context.Items[CallerKey]!;

    /// <returns>true when the connection was dropped.</returns>
    private async Task<bool> HandleAsync(HttpContext context, string route, Action<string> companyOfCaller)
    {
        var (latency, fault, status) = faults.Next();
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, context.RequestAborted);
        }

        switch (fault)
        {
            case InjectedFault.DropConnection:
                SimulatorLog.FaultInjected(logger, "drop", route);
                counters.ConnectionDropped();
                context.Abort();
                return true;
            case InjectedFault.TooManyRequests:
                SimulatorLog.FaultInjected(logger, "429", route);
                counters.Injected429();
                var peek = rateLimiter.Peek();
                WriteHeaders(context, peek with { Remaining = Math.Max(1, peek.Remaining), RetryAfterSeconds = 1 }, retryAfter: true);
                await FrontErrors.WriteAsync(context, 429, "Rate limit exceeded (injected burst).");
                return false;
            case InjectedFault.ServerError:
                SimulatorLog.FaultInjected(logger, status.ToString(CultureInfo.InvariantCulture), route);
                counters.ErrorInjected();
                WriteHeaders(context, rateLimiter.Peek(), retryAfter: false);
                await FrontErrors.WriteAsync(context, status, "Injected server error.");
                return false;
        }

        var check = tokens.Check(context.Request.Headers.Authorization.ToString() is { Length: > 0 } h ? h : null);
        if (check.Caller is null)
        {
            SimulatorLog.TokenRejected(logger, route, check.Failure!);
            counters.TokenRejected();
            WriteHeaders(context, rateLimiter.Peek(), retryAfter: false);
            await FrontErrors.WriteAsync(context, 401, "Unauthorized: " + check.Failure);
            return false;
        }

        context.Items[CallerKey] = check.Caller;
        var company = store.CompanyOf(check.Caller.ChannelId); // the channel's company; null = the default company
        companyOfCaller(company ?? FrontRateLimiter.DefaultCompany);
        if (check.Caller.IsChannel && context.RequestServices.GetRequiredService<Control.ChannelTokenRefusals>().Refuses(route))
        {
            // The control switch: Front refusing a channel token on this route (Control/ChannelTokenRefusals).
            WriteHeaders(context, rateLimiter.Peek(company), retryAfter: false);
            await FrontErrors.WriteAsync(context, 403, $"A channel token may not use {route}.");
            return false;
        }

        var state = rateLimiter.TryAcquire(company, check.Caller.ChannelId ?? "company-token");
        WriteHeaders(context, state, retryAfter: state.Verdict != RateLimitVerdict.Allowed);
        if (state.Verdict != RateLimitVerdict.Allowed)
        {
            SimulatorLog.RateLimited(logger, state.Verdict.ToString(), route);
            if (state.Verdict == RateLimitVerdict.BurstLimited)
            {
                counters.BurstLimited();
            }
            else
            {
                counters.CompanyLimited();
            }

            await FrontErrors.WriteAsync(context, 429, "Rate limit exceeded.");
            return false;
        }

        await next(context);
        return false;
    }

    private static void WriteHeaders(HttpContext context, RateLimitState state, bool retryAfter)
    {
        var headers = context.Response.Headers;
        headers["x-ratelimit-limit"] = state.Limit.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-remaining"] = state.Remaining.ToString(CultureInfo.InvariantCulture);
        headers["x-ratelimit-reset"] = state.ResetUnixSeconds.ToString(CultureInfo.InvariantCulture);
        if (retryAfter)
        {
            headers["retry-after"] = state.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static string RouteName(HttpContext context)
    {
        var method = context.Request.Method;
        if (context.GetEndpoint() is not RouteEndpoint endpoint)
        {
            return method + " (unmatched)";
        }

        var template = endpoint.RoutePattern.RawText ?? "?";
        if (template == ResourceEndpoints.MessageRoute && context.Request.RouteValues["message_id"] is string id
            && id.StartsWith(ResourceEndpoints.UidAliasPrefix, StringComparison.Ordinal))
        {
            template = "/messages/alt:uid:{message_uid}";
        }

        return method + " " + template;
    }
}
