using System.ComponentModel.DataAnnotations;

namespace FrontFunctions.Front;

/// <summary>
/// One Front budget shared by every instance of the app (<c>Front__SharedBudget__*</c>). Front's limit is per company: N
/// instances each pacing to <c>Front__RequestsPerMinute</c> would send N times the limit. With the shared budget on, every
/// instance leases small batches of tokens from one token bucket kept in a Table Storage row (table
/// <c>FrontBudget</c>, one row per <see cref="BudgetKey"/>), refilled at <c>Front__RequestsPerMinute</c> — the whole
/// company limit — minus the bucket's capacity, from the row's own refill time, so no timer is needed. When storage is slow or failing, the lease
/// gives up after <see cref="LeaseTimeout"/> and the instance falls back to its local gate and Front's headers for
/// <see cref="FallbackPeriod"/>.
/// </summary>
public sealed class SharedBudgetOptions
{
    public const string SectionName = FrontOptions.SectionName + ":SharedBudget";

    /// <summary>Off by default: each instance then paces on its own, as before.</summary>
    public bool Enabled { get; set; }

    /// <summary>The bucket's row key: one per Front company and app (instances with the same key share one budget).</summary>
    [Required(ErrorMessage = "Front__SharedBudget__BudgetKey must be set (one key per Front company/app).")]
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
    /// The pace of one instance while it falls back (storage failing): 0 = <c>Front__RequestsPerMinute</c> (the local gate
    /// alone, Front's headers and 429s then keep N instances in check). Set it to the company limit divided by the expected
    /// number of instances to behave, during an outage, like the split the template used before the shared budget.
    /// </summary>
    [Range(0, 100_000, ErrorMessage = "Front__SharedBudget__FallbackRequestsPerMinute must be between 0 and 100000 (0 = Front__RequestsPerMinute).")]
    public int FallbackRequestsPerMinute { get; set; }

    /// <summary>
    /// Leased tokens not used within this time are dropped (they were counted against the budget when leased; using them
    /// late would add them to a later window).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "Front__SharedBudget__TokenLifetime must be between 100 ms and 1 minute.")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromSeconds(2);
}
