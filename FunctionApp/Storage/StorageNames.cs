namespace FrontFunctions.Storage;

/// <summary>Names of the queues, tables and containers the app uses. Infra (Bicep) creates the same names.</summary>
public static class StorageNames
{
    /// <summary>Verified <c>message_imported</c> notifications waiting for enrichment.</summary>
    public const string IngestQueue = "front-ingest";

    /// <summary>Where the Functions host moves an ingest message after <c>maxDequeueCount</c> failures.</summary>
    public const string IngestPoisonQueue = IngestQueue + "-poison";

    /// <summary>Messages Front sent on the channel (<c>message</c>, <c>message_autoreply</c>), waiting for delivery to the partner.</summary>
    public const string OutboundQueue = "front-outbound";

    /// <summary>Outbound messages whose delivery failed for good (the reason is in <see cref="FailuresTable"/>).</summary>
    public const string OutboundPoisonQueue = OutboundQueue + "-poison";

    /// <summary>Envelopes too large for one queue message (64 KiB); the queue message points here.</summary>
    public const string PayloadContainer = "front-ingest-payloads";

    /// <summary>
    /// Where a poisoned item's payload blob is kept (in <see cref="PayloadContainer"/>) until an operator acts: outside the
    /// lifecycle rule's prefixes (ingest envelopes are named <c>cha_…/</c>, outbound events <c>outbound/</c>).
    /// </summary>
    public const string FailedPayloadPrefix = "failed/";

    /// <summary>One row per channel: when authorized, status.</summary>
    public const string ChannelsTable = "FrontChannels";

    /// <summary>The id map (external ↔ Front ids), partitioned by channel.</summary>
    public const string IdMapTable = "FrontIdMap";

    /// <summary>Imports made through the import API and their status, keyed by channel and external message id.</summary>
    public const string ImportsTable = "FrontImports";

    /// <summary>Overdue checks of accepted imports, each invisible until the import is overdue.</summary>
    public const string ImportCheckQueue = "front-import-checks";

    /// <summary>Where the host moves an import check after <c>maxDequeueCount</c> failures.</summary>
    public const string ImportCheckPoisonQueue = ImportCheckQueue + "-poison";

    /// <summary>Why a delivery failed permanently, keyed by delivery key.</summary>
    public const string FailuresTable = "FrontDeliveryFailures";

    /// <summary>
    /// Front signatures already accepted (replay protection, <c>Front/ReplayGuard</c>): PartitionKey = the first two hex
    /// digits of the signature's hash, RowKey = the hash; each row dead once its signature can no longer verify.
    /// </summary>
    public const string SeenSignaturesTable = "FrontSeenSignatures";

    /// <summary>Messages the partner API has marked seen in Front (once each): PartitionKey = channel, RowKey = Front message id.</summary>
    public const string SeenMarksTable = "FrontSeenMarks";

    /// <summary>The shared Front budget: one token-bucket row per company/app (<c>Front__SharedBudget__BudgetKey</c>).</summary>
    public const string BudgetTable = "FrontBudget";

    /// <summary>
    /// What the operator console reads by key instead of scanning: per-minute counts of each instance, a counter row per
    /// channel (<c>Telemetry/ConsoleStatsRows</c>) and the newest-first index of delivery failures (<c>Failures/FailureIndex</c>).
    /// </summary>
    public const string ConsoleTable = "FrontConsole";

    /// <summary>
    /// The largest JSON a queue message carries inline (a queue message holds 64 KiB; Base64 makes 46 KiB of JSON about
    /// 62 KiB): anything larger goes to a blob in <see cref="PayloadContainer"/> and the message carries its name.
    /// </summary>
    public const int MaxInlineQueueJsonBytes = 46 * 1024;
}
