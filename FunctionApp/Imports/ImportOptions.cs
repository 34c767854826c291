using System.ComponentModel.DataAnnotations;
using FrontFunctions.Front;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Imports;

/// <summary>The import API; section <c>Imports</c> (<c>Imports__OverdueAfter</c> …).</summary>
public sealed class ImportOptions
{
    public const string SectionName = "Imports";

    /// <summary>
    /// How long after Front's 202 an import without its <c>message_imported</c> notification counts as overdue: then the
    /// message is looked up once by <c>alt:uid:{message_uid}</c>. The check is a queue message made visible after this delay.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "6.00:00:00", ErrorMessage = "Imports__OverdueAfter must be between 1 second and 6 days: the check is a queue message hidden that long, and a queue accepts less than 7 days.")]
    public TimeSpan OverdueAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long an external id stays reserved by an import whose Front call is in flight; a reservation older than this
    /// (its request died, perhaps after reaching Front) becomes <c>unknown</c> when the id is imported again. Must be longer
    /// than <c>Front__TotalTimeout</c> (checked at start, <see cref="ImportOptionsValidator"/>), so no call is still running then.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Imports__ReservationLease must be between 1 second and 1 hour.")]
    public TimeSpan ReservationLease { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Checks at start what one setting cannot: the reservation lease covers the Front client's whole call.</summary>
public sealed class ImportOptionsValidator(IOptions<FrontApiOptions> front) : IValidateOptions<ImportOptions>
{
    public ValidateOptionsResult Validate(string? name, ImportOptions options) =>
        options.ReservationLease > front.Value.TotalTimeout
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Imports__ReservationLease ({options.ReservationLease}) must be longer than Front__TotalTimeout ({front.Value.TotalTimeout}): " +
                "an import's reservation must outlast its Front call, or a repeat could find it expired while the call is still running.");
}
