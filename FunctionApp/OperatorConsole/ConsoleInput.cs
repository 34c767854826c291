using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FrontFunctions.Failures;
using FrontFunctions.Front;

namespace FrontFunctions.OperatorConsole;

/// <summary>
/// The console's posted inputs: read (the body has passed the HTTP edge's checks, Http/HttpEdge.cs: size, content type,
/// UTF-8 JSON without a repeated key) into their records, and the checks the JSON shape alone does not make.
/// </summary>
public static class ConsoleInput
{
    /// <summary>The largest body a console post may have: its inputs are a few ids.</summary>
    public const int MaxRequestBytes = 4096;

    /// <summary>The body as <typeparamref name="T"/>, or null with <paramref name="problem"/> saying why it is not one.</summary>
    public static T? Read<T>(ReadOnlyMemory<byte> body, JsonTypeInfo<T> type, out string? problem)
        where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize(body.Span, type);
            problem = value is null ? "The body must be a JSON object." : null;
            return value;
        }
        catch (JsonException e)
        {
            problem = "The body is not the expected JSON: " + e.Message.Split('.')[0] + ".";
            return null;
        }
    }

    /// <summary>Why a re-queue request names no failure, channel or "all" the console can act on, or null when it does.</summary>
    public static string? RequeueProblem(RequeueRequest request)
    {
        var (channelId, failureId, all) = request;
        if (failureId is not null && FailureIdProblem(failureId) is { } problem)
        {
            return problem;
        }

        var valid = (channelId, failureId, all) switch
        {
            (null, null, true) => true,
            (not null, _, null or false) when channelId == DeliveryFailures.UnknownChannelPartition && failureId is not null => true,
            (not null, _, null or false) when FrontIds.IsChannelId(channelId) => failureId is null || failureId.Length is > 0 and <= 1024,
            _ => false,
        };
        return valid ? null : "Give {\"channel_id\",\"failure_id\"} for one failure, {\"channel_id\"} for a channel's, or {\"all\":true} for all.";
    }

    /// <summary>
    /// Why <paramref name="failureId"/> cannot name a failure row, or null. A failure id is a table RowKey as
    /// <c>DeliveryFailures</c> writes it (encoded: never <c>/ \ # ?</c> nor a control character, which Table storage does
    /// not allow in a key), so such an id is a bad request — answered 400 here rather than a storage error (500).
    /// </summary>
    public static string? FailureIdProblem(string failureId)
    {
        foreach (var c in failureId)
        {
            if (c is '/' or '\\' or '#' or '?' || char.IsControl(c))
            {
                return "failure_id cannot contain '/', '\\', '#', '?' or control characters: give a failure_id as the failures list shows it.";
            }
        }

        return null;
    }
}
