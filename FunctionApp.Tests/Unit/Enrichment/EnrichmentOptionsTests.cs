using FrontFunctions.Enrichment;
using FrontFunctions.Front;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Tests.Unit.Enrichment;

public sealed class EnrichmentOptionsTests
{
    [Fact]
    public async Task Defaults_are_valid()
    {
        await using var host = FrontTestHost.Create(withStorage: false);

        var enrichment = host.Get<IOptions<EnrichmentOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(30), enrichment.ConversationCacheTtl);
        Assert.Equal(5, enrichment.MaxDequeueCount);
        Assert.Equal(100, new FrontApiOptions().RequestsPerMinute);
        Assert.Equal(5, new FrontApiOptions().BurstPerSecond);
    }

    [Theory]
    [InlineData("Enrichment:ConversationCacheTtl", "02:00:00", "Enrichment__ConversationCacheTtl")]
    [InlineData("Enrichment:MaxDequeueCount", "0", "Enrichment__MaxDequeueCount")]
    [InlineData("Front:RequestsPerMinute", "0", "Front__RequestsPerMinute")]
    public async Task Invalid_settings_fail_with_the_settings_name(string key, string value, string named)
    {
        await using var host = FrontTestHost.Create(withStorage: false, settings: new Dictionary<string, string?> { [key] = value });

        var e = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = host.Get<IOptions<EnrichmentOptions>>().Value;
            _ = host.Get<IOptions<FrontApiOptions>>().Value;
        });
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hosts_max_dequeue_count_setting_is_used()
    {
        await using var host = FrontTestHost.Create(withStorage: false, settings: new Dictionary<string, string?>
        {
            [EnrichmentServices.MaxDequeueCountSetting] = "8",
        });

        Assert.Equal(8, host.Get<IOptions<EnrichmentOptions>>().Value.MaxDequeueCount);
    }
}
