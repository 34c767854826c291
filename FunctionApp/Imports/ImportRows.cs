using Azure;
using Azure.Data.Tables;
using FrontFunctions.IdMap;

namespace FrontFunctions.Imports;

/// <summary>Where an import made through the app stands.</summary>
public static class ImportStatus
{
    /// <summary>Reserved: the Front call is in flight (internal; lookups answer 404 for it).</summary>
    public const string Sending = "sending";

    /// <summary>Front answered 202 with a <c>message_uid</c>; the message is not known to exist yet.</summary>
    public const string Accepted = "accepted";

    /// <summary>Front created the message (its <c>message_imported</c> arrived, or the overdue lookup found it).</summary>
    public const string Imported = "imported";

    /// <summary>Front refused the import, or never created the message (the reason says which).</summary>
    public const string Failed = "failed";

    /// <summary>
    /// The Front call ended without an answer that says what Front did (timeout, dropped connection, 5xx, the request
    /// aborted): Front may have the message. Never sent again automatically; Front's notification settles it as imported,
    /// otherwise an operator decides (console, "send again").
    /// </summary>
    public const string Unknown = "unknown";
}

/// <summary>
/// The import table's keys: PartitionKey = channel id, RowKey = <c>im|{external message id}</c> (<see cref="TableKeyEncoding"/>),
/// so one external id has one row per channel: the insert-once point that keeps a repeated import from reaching Front twice.
/// </summary>
public static class ImportKeys
{
    public const string Prefix = "im|";

    public static string Import(string externalId) => Prefix + TableKeyEncoding.Encode(externalId);
}

/// <summary>One import made through the app (table <c>FrontImports</c>).</summary>
public sealed class ImportEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Status { get; set; } = ImportStatus.Sending;
    public bool Inbound { get; set; }
    public string? ExternalId { get; set; }
    public string? ExternalConversationId { get; set; }

    /// <summary>Which request holds a <see cref="ImportStatus.Sending"/> row (only it may complete or release it).</summary>
    public string? ReservationId { get; set; }
    public DateTimeOffset? ReservedAt { get; set; }

    public string? MessageUid { get; set; }
    public DateTimeOffset? AcceptedAt { get; set; }
    public string? MessageId { get; set; }
    public string? ConversationId { get; set; }
    public DateTimeOffset? ImportedAt { get; set; }
    public string? Reason { get; set; }

    /// <summary>When the row became <see cref="ImportStatus.Unknown"/>.</summary>
    public DateTimeOffset? UnknownAt { get; set; }

    /// <summary>
    /// The request body of an <see cref="ImportStatus.Unknown"/> import (at most <see cref="ImportTransitions.MaxKeptBodyBytes"/>),
    /// kept so an operator can send it again; removed when the import settles.
    /// </summary>
    public byte[]? Body { get; set; }

    /// <summary>Whether the overdue check of an accepted import was queued (a repeat of the import queues it when not).</summary>
    public bool? CheckScheduled { get; set; }

    /// <summary>How many times an operator sent the import again.</summary>
    public int? SentAgain { get; set; }

    public ImportRecord ToRecord() =>
        new(PartitionKey, ExternalId ?? "", ExternalConversationId, Status, MessageUid, MessageId, ConversationId, Reason, AcceptedAt, ImportedAt);

    public ImportEntity Copy() => (ImportEntity)MemberwiseClone();
}

/// <summary>An import as the API answers it.</summary>
public sealed record ImportRecord(
    string ChannelId, string ExternalId, string? ExternalConversationId, string Status, string? MessageUid, string? MessageId,
    string? ConversationId, string? Reason, DateTimeOffset? AcceptedAt, DateTimeOffset? ImportedAt);
