using System.Diagnostics;

namespace FrontFunctions.Telemetry;

/// <summary>
/// The app's <see cref="ActivitySource"/> (<c>FrontFunctions</c>) and the W3C trace context that rides in queue messages,
/// so a webhook's trace continues in the queue function that handles its message (a child span), however much later and
/// on whichever instance. A message without a context (queued by an older build) starts a new trace.
/// </summary>
public static class FrontTracing
{
    public const string SourceName = "FrontFunctions";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The span of one webhook request (a child of the host's request span when there is one).</summary>
    public static Activity? StartWebhook(string? channelId)
    {
        var activity = Source.StartActivity("front.webhook", ActivityKind.Server);
        activity?.SetTag("front.channel_id", channelId);
        return activity;
    }

    /// <summary>The current trace context to write into a queue message: (<c>traceparent</c>, <c>tracestate</c>), or nulls.</summary>
    public static (string? TraceParent, string? TraceState) Current() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current
            ? (current.Id, string.IsNullOrEmpty(current.TraceStateString) ? null : current.TraceStateString)
            : (null, null);

    /// <summary>
    /// The span of a queue function's work on one message: a child of the context the message carries, linked to the span
    /// the host started for the invocation (if any). A missing or malformed context starts a new trace.
    /// </summary>
    public static Activity? StartQueueWork(string name, string? traceParent, string? traceState, string channelId, string? messageId)
    {
        var links = Activity.Current is { } invocation ? new[] { new ActivityLink(invocation.Context) } : null;
        var activity = ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent)
            ? Source.StartActivity(name, ActivityKind.Consumer, parent, links: links)
            : Source.StartActivity(name, ActivityKind.Consumer, default(ActivityContext), links: links);
        activity?.SetTag("front.channel_id", channelId);
        activity?.SetTag("front.message_id", messageId);
        return activity;
    }
}
