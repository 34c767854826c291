using System.Text.Json;
using System.Text.Json.Serialization;
using FrontFunctions.Front;
using FrontFunctions.Failures;

namespace FrontFunctions.OperatorConsole;

/// <summary>One channel as the console shows it (GET /api/console/channels).</summary>
public sealed record ChannelView(
    string ChannelId,
    string Status,
    DateTimeOffset? AuthorizedAt,
    DateTimeOffset? DeletedAt,
    int MessagesMapped,
    DateTimeOffset? LastMappedAt,
    DateTimeOffset? LastFailureAt,
    DateTimeOffset? LastNotificationAt);

public sealed record ChannelsView(IReadOnlyList<ChannelView> Channels);

/// <summary>A queue's backlog: depth (the service's approximate count) and the age of the oldest visible message.</summary>
public sealed record QueueView(string Name, bool Exists, int Depth, DateTimeOffset? OldestInsertedAt, double? OldestAgeSeconds);

/// <summary>GET /api/console/pipeline.</summary>
public sealed record PipelineView(
    DateTimeOffset GeneratedAt,
    IReadOnlyList<QueueView> Queues,
    int MappedLastHour,
    FrontRateGateSnapshot FrontBudget,
    IReadOnlyList<Outbound.PartnerFailing> PartnerFailing);

/// <summary>One poisoned delivery: its failure row (FailureId = the row key, the handle to re-queue it by).</summary>
public sealed record FailureView(
    string ChannelId,
    string FailureId,
    string? MessageId,
    string Reason,
    long Attempts,
    DateTimeOffset? FailedAt,
    bool Permanent,
    DateTimeOffset? FrontNotifiedAt = null,
    string? FrontNotifyError = null);

/// <summary>GET /api/console/failures: Truncated when more rows matched than <see cref="OperationsConsole.MaxFailures"/>.</summary>
public sealed record FailuresView(IReadOnlyList<FailureView> Failures, bool Truncated);

/// <summary>POST /api/console/requeue body: one failure (channel_id + failure_id), a channel (channel_id), or all (all: true).</summary>
public sealed record RequeueRequest(string? ChannelId, string? FailureId, bool? All);

/// <summary>What a re-queue did: messages moved back to the ingest queue, failure rows closed.</summary>
public sealed record RequeueView(int Requeued, int FailuresClosed);

/// <summary>
/// One chart line of the last hour: <see cref="Name"/> (notifications_in, messages_mapped, replies_delivered, front_calls,
/// front_429s, backlog, oldest_age_seconds), the company (Front calls and 429s) or queue (backlog, age) it is for, and one
/// value per minute of <see cref="ChartsView.Minutes"/> (null: no sample that minute).
/// </summary>
public sealed record ChartSeries(string Name, string? Company, string? Queue, IReadOnlyList<double?> Values);

/// <summary>GET /api/console/charts: the last 60 minutes (each minute's start, oldest first) and the series over them.</summary>
public sealed record ChartsView(DateTimeOffset GeneratedAt, IReadOnlyList<DateTimeOffset> Minutes, IReadOnlyList<ChartSeries> Series);

public sealed record ConsoleError(string Type, string Message);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ChannelsView))]
[JsonSerializable(typeof(PipelineView))]
[JsonSerializable(typeof(FailuresView))]
[JsonSerializable(typeof(RequeueRequest))]
[JsonSerializable(typeof(RequeueView))]
[JsonSerializable(typeof(ChartsView))]
[JsonSerializable(typeof(ConsoleError))]
internal sealed partial class ConsoleJsonContext : JsonSerializerContext;

internal static class ConsoleJson
{
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, typeof(T), ConsoleJsonContext.Default);
}
