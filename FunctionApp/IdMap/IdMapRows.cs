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
    /// <summary>
    /// The external ids after those on <see cref="IdPages"/>, as a JSON list (<see cref="GetInlineIds"/>): the whole list
    /// while it fits in one column (every row written before issue 22 is read so). The full list is
    /// <see cref="ConversationIdList.ReadAsync"/>'s.
    /// </summary>
    public string? ExternalConversationIds { get; set; }

    /// <summary>The <c>fi|</c> pages holding the first ids, in order (JSON list of page names; null when none).</summary>
    public string? IdPages { get; set; }

    public string? MergedInto { get; set; }
    public bool? MergeConfirmed { get; set; }
    public bool? MovePending { get; set; }

    /// <summary>On a survivor: the conversations whose move into it has begun and not finished (JSON list).</summary>
    public string? MovesIn { get; set; }

    public DateTimeOffset? RefreshedAt { get; set; }

    /// <summary>
    /// True on rows created since issue 22: every row that points at this conversation has its <c>ml|</c> link, so a merge
    /// reads the links; a row without it (created before) is moved by filtering the partition once (<see cref="MergeMove"/>).
    /// </summary>
    public bool? LinkedRows { get; set; }

    public List<string> GetInlineIds() => IdMapJson.ReadList(ExternalConversationIds);

    public List<string> GetPages() => IdMapJson.ReadList(IdPages);

    public List<string> GetMovesIn() => IdMapJson.ReadList(MovesIn);

    public void SetMovesIn(List<string> moves) => MovesIn = moves.Count == 0 ? null : IdMapJson.Write(moves);

    /// <summary>A new <c>fc|</c> row (links kept from the start).</summary>
    public static ConversationEntity New(string channelId, string conversationId) =>
        new() { PartitionKey = channelId, RowKey = IdMapKeys.FrontConversation(conversationId), ConversationId = conversationId, LinkedRows = true };

    public ConversationRow ToRow(IReadOnlyList<string> ids) =>
        new(ConversationId ?? "", ids, string.IsNullOrEmpty(MergedInto) ? null : MergedInto, RefreshedAt, MovePending == true, GetMovesIn());
}

/// <summary>An <c>fi|</c> row: a page of a conversation's external ids (JSON list), written once, never changed.</summary>
public sealed class IdsPageEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string? Ids { get; set; }
}

/// <summary>An <c>ml|</c> row: <see cref="Target"/>, the key of a row that pointed at the conversation when it was written.</summary>
public sealed class LinkEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string? Target { get; set; }
}

/// <summary>
/// The id map's JSON lists. Written without escaping non-ASCII text (storage, never HTML): an id of 200 CJK characters
/// takes 200 characters, not the 1,200 of <c>\uXXXX</c> escapes; rows written with the default escaping read the same.
/// </summary>
internal static class IdMapJson
{
    private static readonly JsonSerializerOptions Relaxed = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = IdMapJsonContext.Default,
    };

    public static List<string> ReadList(string? json) =>
        json is { Length: > 0 } ? JsonSerializer.Deserialize(json, IdMapJsonContext.Default.ListString) ?? [] : [];

    public static string Write(IEnumerable<string> list) => JsonSerializer.Serialize(list.ToList(), Relaxed);

    /// <summary>The characters <paramref name="id"/> adds to a JSON list (its escaped form, quotes and comma).</summary>
    public static int Cost(string id) => JsonSerializer.Serialize(id, Relaxed).Length + 1;
}

[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class IdMapJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
