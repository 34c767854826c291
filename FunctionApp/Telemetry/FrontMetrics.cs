using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FrontFunctions.Telemetry;

/// <summary>
/// The app's one <see cref="Meter"/> (<c>FrontFunctions</c>) and every instrument on it; the code being measured makes one
/// call here per event. Tags are low-cardinality by construction: webhook types, HTTP status codes, route templates, queue
/// names, fixed reason / outcome words and Front companies (bounded by the app's installs) — never a channel, message or conversation id (a channel id would multiply every
/// series by the number of channels, which nothing bounds). README "Metrics" lists the instruments.
/// </summary>
public sealed class FrontMetrics
{
    public const string MeterName = "FrontFunctions";

    /// <summary>Seconds: from a few milliseconds (an open gate, a fast map write) to the queue's 10-minute lease.</summary>
    private static readonly IReadOnlyList<double> SecondsBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private static readonly HashSet<string> KnownWebhookTypes = new(StringComparer.Ordinal)
    {
        // Front's request types (docs/front-channel-api.md); Telemetry sits below Front, so named here.
        "authorization", "delete", "message_imported", "message", "message_autoreply",
    };

    private readonly Counter<long> _webhooks;
    private readonly Counter<long> _mapped;
    private readonly Histogram<double> _mappingLatency;
    private readonly Counter<long> _frontCalls;
    private readonly Counter<long> _throttled;
    private readonly Histogram<double> _gateWait;
    private readonly Counter<long> _poison;
    private readonly Counter<long> _partnerDeliveries;
    private readonly TimeProvider _time;
    private readonly MinuteTally _tally;

    /// <param name="tally">The console's per-minute and per-channel counts, kept beside the instruments (one place counts).</param>
    public FrontMetrics(IMeterFactory meterFactory, QueueSnapshot queues, TimeProvider time, MinuteTally? tally = null)
    {
        _time = time;
        _tally = tally ?? new MinuteTally(time);
        var meter = meterFactory.Create(MeterName);
        _webhooks = meter.CreateCounter<long>("front.webhooks", "{webhook}",
            "Webhook requests Front sent, by request type and the HTTP status answered.");
        _mapped = meter.CreateCounter<long>("front.messages.mapped", "{message}",
            "Messages written to the id map, by what mapped them (a notification, or an overdue import's lookup).");
        _mappingLatency = meter.CreateHistogram("front.mapping.latency", "s",
            "From the webhook receiving a message_imported notification to its message being in the id map.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _frontCalls = meter.CreateCounter<long>("front.api.calls", "{call}",
            "Attempts at Front's API (retries included), by method, route template and status (\"error\": no answer).");
        _throttled = meter.CreateCounter<long>("front.api.throttled", "{response}",
            "Front's 429 answers by cause: company_limit (x-ratelimit-remaining 0), burst (remaining > 0), unknown (no header).");
        _gateWait = meter.CreateHistogram("front.rate_gate.wait", "s",
            "How long each Front API attempt waited in the rate gate (shared budget, local pacing, Front's pauses).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _poison = meter.CreateCounter<long>("front.poison.items", "{item}",
            "Items recorded as failed for good (reason row written; the item is or will be on the poison queue), by queue and reason.");
        _partnerDeliveries = meter.CreateCounter<long>("front.partner.deliveries", "{delivery}",
            "Attempts to deliver a front-outbound item to the partner, by outcome.");
        meter.CreateObservableGauge("front.queue.depth", () => queues.Depths(), "{message}",
            "Approximate messages in each queue (visible and invisible), sampled every Metrics__QueueSampleInterval.");
        meter.CreateObservableGauge("front.queue.oldest_message_age", () => queues.OldestAges(_time.GetUtcNow()), "s",
            "Age of the first visible message of each queue (0 when none is visible), sampled every Metrics__QueueSampleInterval.");
    }

    /// <summary>A webhook was answered. <paramref name="type"/> is the envelope's type (null when refused before it was read).</summary>
    public void WebhookAnswered(string? type, int status)
    {
        _webhooks.Add(1, new("type", type is null ? "none" : KnownWebhookTypes.Contains(type) ? type : "other"), new("status", StatusTag(status)));
        if (type == "message_imported" && status is >= 200 and < 300)
        {
            _tally.Count(MinuteSeries.NotificationsIn);
        }
    }

    /// <summary>A message is in the id map; <paramref name="receivedAt"/> is when its notification reached the webhook (null: unknown).</summary>
    public void Mapped(string via, DateTimeOffset? receivedAt)
    {
        var tag = new KeyValuePair<string, object?>("via", via);
        _mapped.Add(1, tag);
        _tally.Count(MinuteSeries.Mapped);
        if (receivedAt is { } received)
        {
            _mappingLatency.Record(Math.Max(0, (_time.GetUtcNow() - received).TotalSeconds), tag);
        }
    }

    /// <summary>
    /// One attempt at Front's API went out after <paramref name="gateWait"/> in the gate; <paramref name="response"/> null = no
    /// answer. <paramref name="company"/> is the Front company it counted against (the rate gate's; <c>_unknown</c> until an
    /// answer named the channel's company): one series per company that installed the app, which the number of installs
    /// bounds, so the per-company calls and 429s per minute can be charted against each company's own limit.
    /// </summary>
    public void FrontCall(HttpRequestMessage request, HttpResponseMessage? response, TimeSpan gateWait, string? company = null)
    {
        var route = FrontRoutes.Template(request.RequestUri);
        var method = request.Method.Method;
        var companyTag = new KeyValuePair<string, object?>("company", company ?? "none");
        _gateWait.Record(gateWait.TotalSeconds, companyTag);
        _frontCalls.Add(1, new("method", method), new("route", route), new("status", response is null ? "error" : StatusTag((int)response.StatusCode)), companyTag);
        var cause = response is null ? null : ThrottleCauses.Of(response);
        if (cause is not null)
        {
            _throttled.Add(1, new("cause", cause), new("route", route), companyTag);
        }

        // The console's per-minute chart: the gate's company when it knows it, else the company host the request went to.
        _tally.FrontCall(company is { Length: > 0 } known && known != "_unknown" ? known : FrontCompanies.Of(request.RequestUri), cause is not null);
    }

    /// <summary>
    /// A message row was added to <paramref name="channelId"/>'s id map (counted per channel for the console only: a
    /// channel id is never a metric tag).
    /// </summary>
    public void MessageStored(string channelId) => _tally.MessageStored(channelId);

    /// <summary>A failure was recorded for good (see <see cref="PoisonReasons"/>).</summary>
    public void Poisoned(string queue, string reason) => _poison.Add(1, new("queue", queue), new("reason", reason));

    /// <summary><c>delivered</c>, <c>rejected</c> (partner 4xx: poisoned), <c>failed</c> (retried by the queue), <c>unreadable</c>.</summary>
    public void PartnerDelivery(string outcome)
    {
        _partnerDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (outcome == "delivered")
        {
            _tally.Count(MinuteSeries.RepliesDelivered);
        }
    }

    private static string StatusTag(int status) => status is >= 100 and <= 599 ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "other";
}

/// <summary>What <see cref="FrontMetrics.Mapped"/> was called for (the <c>via</c> tag).</summary>
public static class MappedVia
{
    public const string Notification = "notification";
    public const string ImportCheck = "import_check";
}

/// <summary>The <c>reason</c> tag of <c>front.poison.items</c>: three words, the full reason is in <c>FrontDeliveryFailures</c>.</summary>
public static class PoisonReasons
{
    /// <summary>The queue message could not be read.</summary>
    public const string Unreadable = "unreadable";

    /// <summary>A failure retrying cannot fix (Front 401/403/404/410, a partner 4xx): poisoned at once.</summary>
    public const string Permanent = "permanent";

    /// <summary>A transient failure on the last attempt: the host moves the item to the poison queue.</summary>
    public const string RetriesExhausted = "retries_exhausted";
}
