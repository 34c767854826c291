using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace FrontFunctions.IdMap;

/// <summary>The columns every id map row has (the SDK maps property names to columns: no column name is written twice).</summary>
public abstract class IdMapEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>The conversation the row points at (for <c>fc|</c>: its own id).</summary>
    public string? ConversationId { get; set; }
}

/// <summary>An <c>xm|</c> or <c>fm|</c> row: one Front message and its external id.</summary>
public sealed class MessageEntity : IdMapEntity
{
    public string? MessageId { get; set; }
    public string? ExternalId { get; set; }
    public string? MessageUid { get; set; }
}

/// <summary>An <c>xc|</c> row: the Front conversation an external conversation id belongs to.</summary>
public sealed class ExternalConversationEntity : IdMapEntity
{
    public string? ExternalConversationId { get; set; }
}

/// <summary>
/// An <c>fc|</c> row: a Front conversation's external ids, <see cref="MergedInto"/> (survivor, when merged away),
/// <see cref="MergeConfirmed"/> (Front's 301 said so), <see cref="MovePending"/> (merged, its ids and rows may not have moved
/// yet), <see cref="RefreshedAt"/> (when the list was last seen in a notification or from Front).
/// </summary>
public sealed class ConversationEntity : IdMapEntity
{
    /// <summary>The external ids, as a JSON list (<see cref="GetIds"/>, <see cref="SetIds"/>).</summary>
    public string? ExternalConversationIds { get; set; }
    public string? MergedInto { get; set; }
    public bool? MergeConfirmed { get; set; }
    public bool? MovePending { get; set; }

    /// <summary>On a survivor: the conversations whose move into it has begun and not finished (JSON list).</summary>
    public string? MovesIn { get; set; }

    public DateTimeOffset? RefreshedAt { get; set; }

    public List<string> GetIds() =>
        ExternalConversationIds is { Length: > 0 } json ? JsonSerializer.Deserialize(json, IdMapJsonContext.Default.ListString) ?? [] : [];

    public void SetIds(List<string> ids) => ExternalConversationIds = JsonSerializer.Serialize(ids, IdMapJsonContext.Default.ListString);

    public List<string> GetMovesIn() =>
        MovesIn is { Length: > 0 } json ? JsonSerializer.Deserialize(json, IdMapJsonContext.Default.ListString) ?? [] : [];

    public void SetMovesIn(List<string> moves) => MovesIn = moves.Count == 0 ? null : JsonSerializer.Serialize(moves, IdMapJsonContext.Default.ListString);

    public ConversationRow ToRow() =>
        new(ConversationId ?? "", GetIds(), string.IsNullOrEmpty(MergedInto) ? null : MergedInto, RefreshedAt, MovePending == true, GetMovesIn());
}

[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
internal sealed partial class IdMapJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
