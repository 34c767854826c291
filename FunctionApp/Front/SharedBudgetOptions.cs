using System.ComponentModel.DataAnnotations;

namespace FrontFunctions.Front;

/// <summary>
/// One Front budget per Front company, shared by every instance of the app (<c>Front__SharedBudget__*</c>). Front's limit is
/// per company: N instances each pacing to it would send N times the limit. With the shared budget on, every instance
/// leases small batches of tokens from the company's token bucket, kept in a Table Storage row (table <c>FrontBudget</c>,
/// row <c>{BudgetKey}.{company}</c>), refilled at the company's limit as Front's <c>x-ratelimit-limit</c> reports it minus
/// the bucket's capacity, from the row's own refill time (read on storage's clock), so no timer is needed. When storage is
/// slow or failing, the lease gives up after <see cref="LeaseTimeout"/> and the instance paces at its share of the limit
/// (<see cref="FallbackPerInstance"/>) for <see cref="FallbackPeriod"/>.
/// </summary>
public sealed class SharedBudgetOptions
{
    public const string SectionName = FrontOptions.SectionName + ":SharedBudget";

    /// <summary>Off by default: each instance then paces on its own, as before.</summary>
    public bool Enabled { get; set; }

    /// <summary>The prefix of the buckets' row keys: one per app (instances with the same key share the companies' buckets).</summary>
    [Required(ErrorMessage = "Front__SharedBudget__BudgetKey must be set (one key per app).")]
    [RegularExpression(@"^[A-Za-z0-9_\-\.]{1,100}$", ErrorMessage = "Front__SharedBudget__BudgetKey must be 1-100 letters, digits, '-', '_' or '.'.")]
    public string BudgetKey { get; set; } = "default";

    /// <summary>
    /// Most tokens one lease takes (fewer when the bucket holds fewer). Larger leases cost fewer storage calls per Front call
    /// (two table operations per lease) but let a busy instance hold tokens the others wait for.
    /// </summary>
    [Range(1, 50, ErrorMessage = "Front__SharedBudget__LeaseSize must be between 1 and 50.")]
    public int LeaseSize { get; set; } = 2;

    /// <summary>
    /// The bucket's capacity (tokens saved up while idle). 0 = <c>Front__BurstPerSecond</c> minus one second of refill
    /// (at least <see cref="LeaseSize"/>), as the local gate sizes its own bucket.
    /// </summary>
    [Range(0, 1_000, ErrorMessage = "Front__SharedBudget__Capacity must be between 0 and 1000 (0 = derived from Front__BurstPerSecond).")]
    public int Capacity { get; set; }

    /// <summary>The longest one lease (read, refill, conditional write, retries on ETag conflicts) may take before the caller falls back.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:30", ErrorMessage = "Front__SharedBudget__LeaseTimeout must be between 50 ms and 30 seconds.")]
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>After a failed or timed-out lease, how long the instance uses only its local gate before asking storage again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Front__SharedBudget__FallbackPeriod must be between 100 ms and 10 minutes.")]
    public TimeSpan FallbackPeriod { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Flex Consumption's <c>maximumInstanceCount</c> (the template passes its own): Flex applies it to each scale group, and
    /// Front is called from <see cref="FrontCallingScaleGroups"/> of them. Sizes the fallback (see <see cref="FallbackPerInstance"/>).
    /// </summary>
    [Range(1, 1_000, ErrorMessage = "Front__SharedBudget__MaximumInstanceCount must be between 1 and 1000 (Flex's maximumInstanceCount).")]
    public int MaximumInstanceCount { get; set; } = 1;

    /// <summary>Always-ready instances of every scale group together (they come on top of the on-demand ones).</summary>
    [Range(0, 1_000, ErrorMessage = "Front__SharedBudget__AlwaysReadyInstances must be between 0 and 1000.")]
    public int AlwaysReadyInstances { get; set; }

    /// <summary>
    /// The Flex scale groups whose functions call Front: <c>http</c> (imports, status reports, the console's send-again),
    /// <c>function:EnrichImportedMessage</c>, <c>function:CheckOverdueImport</c> and <c>function:DeliverOutboundMessage</c>
    /// (it marks a message failed in Front when it gives up). Each queue-triggered function is its own group (Learn,
    /// "Flex Consumption plan: per-function scaling").
    /// </summary>
    public static readonly IReadOnlyList<string> FrontCallingScaleGroups =
        ["http", "function:EnrichImportedMessage", "function:CheckOverdueImport", "function:DeliverOutboundMessage"];

    /// <summary>Every instance that may call Front at once: each calling group at its maximum, plus the always-ready ones.</summary>
    public int InstancesCallingFront => (FrontCallingScaleGroups.Count * MaximumInstanceCount) + AlwaysReadyInstances;

    /// <summary>
    /// One instance's calls per minute to a company while it falls back (storage unreachable): the company limit divided by
    /// every instance that may call Front, rounded down, so that all of them falling back at once stay within the limit.
    /// </summary>
    public int FallbackPerInstance(int limitPerMinute) => Math.Max(0, limitPerMinute) / Math.Max(1, InstancesCallingFront);

    /// <summary>
    /// Leased tokens not used within this time are dropped (they were counted against the budget when leased; using them
    /// late would add them to a later window).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "Front__SharedBudget__TokenLifetime must be between 100 ms and 1 minute.")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromSeconds(2);
}
