namespace FrontFunctions.Storage;

/// <summary>Names of the queues, tables and containers the app uses. Infra (Bicep) creates the same names.</summary>
public static class StorageNames
{
    /// <summary>Verified <c>message_imported</c> notifications waiting for enrichment.</summary>
    public const string IngestQueue = "front-ingest";

    /// <summary>Where the Functions host moves an ingest message after <c>maxDequeueCount</c> failures.</summary>
    public const string IngestPoisonQueue = IngestQueue + "-poison";

    /// <summary>Envelopes too large for one queue message (64 KiB); the queue message points here.</summary>
    public const string PayloadContainer = "front-ingest-payloads";

    /// <summary>One row per channel: when authorized, status.</summary>
    public const string ChannelsTable = "FrontChannels";

    /// <summary>The id map (external ↔ Front ids), partitioned by channel.</summary>
    public const string IdMapTable = "FrontIdMap";

    /// <summary>Why a delivery failed permanently, keyed by delivery key.</summary>
    public const string FailuresTable = "FrontDeliveryFailures";

    /// <summary>The shared Front budget: one token-bucket row per company/app (<c>Front__SharedBudget__BudgetKey</c>).</summary>
    public const string BudgetTable = "FrontBudget";
}
