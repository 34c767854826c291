using FrontFunctions.Imports;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Tests.Unit.Imports;

/// <summary>Issue 19 point 9: the import settings that could let an import be sent twice or its check be lost are refused at start.</summary>
public sealed class ImportOptionsTests
{
    private static async Task<ImportOptions> Resolve(IDictionary<string, string?> settings)
    {
        await using var host = FrontTestHost.Create(withStorage: false, settings);
        return host.Get<IOptions<ImportOptions>>().Value;
    }

    [Theory]
    [InlineData("00:00:30", "00:00:30")]
    [InlineData("00:00:10", "00:00:30")]
    public async Task A_reservation_lease_not_longer_than_the_Front_total_timeout_is_refused(string lease, string totalTimeout)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => Resolve(new Dictionary<string, string?>
        {
            ["Imports:ReservationLease"] = lease,
            ["Front:TotalTimeout"] = totalTimeout,
        }));

        Assert.Contains("Imports__ReservationLease", e.Message, StringComparison.Ordinal);
        Assert.Contains("Front__TotalTimeout", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("7.00:00:00")]
    [InlineData("6.00:00:01")]
    public async Task An_overdue_window_at_the_queues_7_day_limit_is_refused(string overdueAfter)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => Resolve(new Dictionary<string, string?> { ["Imports:OverdueAfter"] = overdueAfter }));

        Assert.Contains("Imports__OverdueAfter", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_defaults_and_a_lease_longer_than_the_total_timeout_are_accepted()
    {
        var options = await Resolve(new Dictionary<string, string?> { ["Imports:ReservationLease"] = "00:00:31", ["Front:TotalTimeout"] = "00:00:30" });

        Assert.Equal(TimeSpan.FromSeconds(31), options.ReservationLease);
    }
}
