using System.ComponentModel.DataAnnotations;

namespace FrontFunctions.Imports;

/// <summary>The import API; section <c>Imports</c> (<c>Imports__OverdueAfter</c> …).</summary>
public sealed class ImportOptions
{
    public const string SectionName = "Imports";

    /// <summary>
    /// How long after Front's 202 an import without its <c>message_imported</c> notification counts as overdue: then the
    /// message is looked up once by <c>alt:uid:{message_uid}</c>. The check is a queue message made visible after this delay.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = "Imports__OverdueAfter must be between 1 second and 7 days (a queue message's longest visibility delay).")]
    public TimeSpan OverdueAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long an external id stays reserved by an import whose Front call is in flight; a reservation older than this
    /// (its request died) is taken over by the next import of that id. Longer than the Front client's total timeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Imports__ReservationLease must be between 1 second and 1 hour.")]
    public TimeSpan ReservationLease { get; set; } = TimeSpan.FromMinutes(5);
}
