using FrontFunctions.Infra.Tests.Infrastructure;

namespace FrontFunctions.Infra.Tests.Integration;

/// <summary>The allowed regions are the official Flex quickstart's, less its canary region.</summary>
public sealed class RegionTests
{
    /// <summary>
    /// Copied from Azure-Samples/functions-quickstart-dotnet-azd, infra/main.bicep (commit fe74255, "Merge pull request #29"):
    /// the regions that sample allows for a Flex Consumption app, without its canary region <c>eastus2euap</c>, which only
    /// subscriptions enrolled in early access may deploy to (a fresh subscription fails there). Update both together.
    /// </summary>
    private static readonly string[] QuickstartRegions =
    [
        "australiaeast", "australiasoutheast", "brazilsouth", "canadacentral", "centralindia", "centralus", "eastasia", "eastus",
        "eastus2", "francecentral", "germanywestcentral", "italynorth", "japaneast", "koreacentral", "northcentralus",
        "northeurope", "norwayeast", "southafricanorth", "southcentralus", "southeastasia", "southindia", "spaincentral",
        "swedencentral", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope", "westus", "westus2", "westus3",
    ];

    [Fact]
    public void The_canary_region_is_not_offered()
    {
        var allowed = CompiledInfra.Instance.MainTemplate["parameters"]!["location"]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>());
        Assert.DoesNotContain(allowed, region => region.EndsWith("euap", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Location_allows_exactly_the_quickstarts_Flex_regions(bool vnetEnabled)
    {
        var main = CompiledInfra.Instance.MainTemplate;
        var allowed = main["parameters"]!["location"]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()).Order(StringComparer.Ordinal);
        Assert.Equal(QuickstartRegions.Order(StringComparer.Ordinal), allowed);

        // Every resource goes where the location parameter says (no region hard-coded anywhere).
        var deployment = ArmDeployment.Of(main, vnetEnabled, ("location", System.Text.Json.Nodes.JsonValue.Create("uksouth")));
        foreach (var resource in ArmTemplate.AllResources(main).Where(r => !r.IsExisting && r.Resource["location"] is not null && deployment.IsDeployed(r)))
        {
            var location = deployment.Evaluate(resource.Resource["location"], resource.Scope);
            Assert.True(location.AsString is "uksouth" or "global", $"{resource} is placed in {location}.");
        }
    }
}
