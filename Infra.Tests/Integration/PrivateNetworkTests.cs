using System.Text.Json.Nodes;
using FrontFunctions.Infra.Tests.Infrastructure;

namespace FrontFunctions.Infra.Tests.Integration;

/// <summary>
/// The private-network option (vnetEnabled, azd VNET_ENABLED), in both states: off by default with public endpoints;
/// on, a VNet with the app's outbound integration (subnet delegated to Microsoft.App/environments, NAT gateway), private
/// endpoints with privatelink DNS zones for blob, queue, table and Key Vault, and public access disabled on both.
/// </summary>
public sealed class PrivateNetworkTests
{
    private static readonly JsonObject Main = CompiledInfra.Instance.MainTemplate;

    private static readonly string[] EndpointGroups = ["blob", "queue", "table", "vault"];

    [Fact]
    public void The_option_is_off_by_default_and_azd_maps_VNET_ENABLED()
    {
        Assert.False(Main["parameters"]?["vnetEnabled"]?["defaultValue"]?.GetValue<bool>());
        var file = CompiledInfra.LoadJson(Path.Combine(BicepCli.InfraDirectory, "main.parameters.json"));
        Assert.Equal("${VNET_ENABLED=false}", file["parameters"]?["vnetEnabled"]?["value"]?.GetValue<string>());
    }

    [Fact]
    public void Off_there_is_no_network_and_storage_and_vault_stay_public()
    {
        var deployment = ArmDeployment.Of(Main, vnetEnabled: false);
        Assert.Empty(deployment.OfType("Microsoft.Network/virtualNetworks"));
        Assert.Empty(deployment.OfType("Microsoft.Network/privateEndpoints"));
        Assert.Empty(deployment.OfType("Microsoft.Network/privateDnsZones"));
        Assert.Empty(deployment.OfType("Microsoft.Network/natGateways"));

        var storage = Assert.Single(deployment.OfType("Microsoft.Storage/storageAccounts"));
        Assert.Equal("Enabled", deployment.Property(storage, "publicNetworkAccess").AsString);
        Assert.Equal("Allow", deployment.Property(storage, "networkAcls.defaultAction").AsString);
        var vault = Assert.Single(deployment.OfType("Microsoft.KeyVault/vaults"));
        Assert.Equal("Enabled", deployment.Property(vault, "publicNetworkAccess").AsString);

        var site = Assert.Single(deployment.OfType("Microsoft.Web/sites"));
        var subnet = deployment.Property(site, "virtualNetworkSubnetId");
        Assert.True(subnet is { IsKnown: true, Node: null }, $"virtualNetworkSubnetId is {subnet} without the VNet.");
    }

    [Fact]
    public void On_storage_and_Key_Vault_refuse_public_network_access()
    {
        var deployment = ArmDeployment.Of(Main, vnetEnabled: true);
        var storage = Assert.Single(deployment.OfType("Microsoft.Storage/storageAccounts"));
        Assert.Equal("Disabled", deployment.Property(storage, "publicNetworkAccess").AsString);
        Assert.Equal("Deny", deployment.Property(storage, "networkAcls.defaultAction").AsString);
        Assert.Equal("None", deployment.Property(storage, "networkAcls.bypass").AsString);
        Assert.False(deployment.Property(storage, "allowSharedKeyAccess").AsBool);

        var vault = Assert.Single(deployment.OfType("Microsoft.KeyVault/vaults"));
        Assert.Equal("Disabled", deployment.Property(vault, "publicNetworkAccess").AsString);
        Assert.Equal("Deny", deployment.Property(vault, "networkAcls.defaultAction").AsString);
    }

    [Fact]
    public void On_the_app_integrates_with_a_subnet_delegated_to_Microsoft_App_environments_with_a_NAT_gateway()
    {
        var deployment = ArmDeployment.Of(Main, vnetEnabled: true);
        var vnet = Assert.Single(deployment.OfType("Microsoft.Network/virtualNetworks"));
        var subnets = (deployment.Property(vnet, "subnets").Node as JsonArray)!.OfType<JsonObject>().ToArray();
        Assert.Equal(2, subnets.Length);

        var app = Assert.Single(subnets, s => s["properties"]?["delegations"] is JsonArray { Count: > 0 });
        Assert.Equal("Microsoft.App/environments", app["properties"]!["delegations"]![0]!["properties"]!["serviceName"]!.GetValue<string>());
        Assert.Contains("Microsoft.Network/natGateways", ArmTemplate.TextOf(app["properties"]!["natGateway"]), StringComparison.Ordinal);
        Assert.Single(deployment.OfType("Microsoft.Network/natGateways"));

        var endpoints = Assert.Single(subnets, s => s != app);
        Assert.Equal("Disabled", endpoints["properties"]?["privateEndpointNetworkPolicies"]?.GetValue<string>());

        var site = Assert.Single(deployment.OfType("Microsoft.Web/sites"));
        var subnet = deployment.Property(site, "virtualNetworkSubnetId");
        Assert.False(subnet is { IsKnown: true, Node: null }, "The function app has no virtualNetworkSubnetId with the VNet on.");
        Assert.Contains("appSubnetId", ArmTemplate.TextOf(site.Scope.Deployment?["properties"]?["parameters"]?["virtualNetworkSubnetId"]), StringComparison.Ordinal);
    }

    [Fact]
    public void On_there_is_a_private_endpoint_with_its_privatelink_DNS_zone_for_blob_queue_table_and_vault()
    {
        var deployment = ArmDeployment.Of(Main, vnetEnabled: true);
        var endpoint = Assert.Single(deployment.OfType("Microsoft.Network/privateEndpoints"));
        var definitions = (deployment.Evaluate(JsonValue.Create("[variables('endpoints')]"), endpoint.Scope).Node as JsonArray)!.OfType<JsonObject>().ToArray();
        Assert.Equal(EndpointGroups, definitions.Select(d => d["groupId"]!.GetValue<string>()));

        // One endpoint, zone, VNet link and zone group per definition (copy loops over the same array).
        foreach (var type in new[]
                 {
                     "Microsoft.Network/privateEndpoints", "Microsoft.Network/privateDnsZones",
                     "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                 })
        {
            var looped = Assert.Single(deployment.OfType(type));
            Assert.Equal(definitions.Length, deployment.Evaluate(looped.Resource["copy"]?["count"], looped.Scope).AsLong);
        }

        var zones = definitions.Select(d => d["zone"]).ToArray();
        Assert.Contains("privatelink.blob.", ArmTemplate.TextOf(zones[0]), StringComparison.Ordinal);
        Assert.Contains("privatelink.queue.", ArmTemplate.TextOf(zones[1]), StringComparison.Ordinal);
        Assert.Contains("privatelink.table.", ArmTemplate.TextOf(zones[2]), StringComparison.Ordinal);
        Assert.Contains(".vaultcore.", ArmTemplate.TextOf(zones[3]), StringComparison.Ordinal);

        var connection = ArmTemplate.TextOf(endpoint.Properties?["privateLinkServiceConnections"]);
        Assert.Contains("Microsoft.KeyVault/vaults", connection, StringComparison.Ordinal);
        Assert.Contains("Microsoft.Storage/storageAccounts", connection, StringComparison.Ordinal);

        var link = Assert.Single(deployment.OfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks"));
        Assert.False(deployment.Property(link, "registrationEnabled").AsBool);
        Assert.Contains("Microsoft.Network/virtualNetworks", ArmTemplate.TextOf(link.Properties?["virtualNetwork"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Key_Vault_has_purge_protection_and_90_days_soft_delete_by_default(bool vnetEnabled)
    {
        var deployment = ArmDeployment.Of(Main, vnetEnabled);
        var vault = Assert.Single(deployment.OfType("Microsoft.KeyVault/vaults"));
        Assert.True(deployment.Property(vault, "enablePurgeProtection").AsBool);
        Assert.Equal(90, deployment.Property(vault, "softDeleteRetentionInDays").AsLong);

        // Both stay parameters: a throwaway environment can turn purge protection off (Key Vault takes null, not false).
        var throwaway = ArmDeployment.Of(Main, vnetEnabled, ("keyVaultPurgeProtection", JsonValue.Create(false)), ("keyVaultSoftDeleteRetentionInDays", JsonValue.Create(7)));
        var relaxed = Assert.Single(throwaway.OfType("Microsoft.KeyVault/vaults"));
        Assert.True(throwaway.Property(relaxed, "enablePurgeProtection") is { IsKnown: true, Node: null });
        Assert.Equal(7, throwaway.Property(relaxed, "softDeleteRetentionInDays").AsLong);
    }
}
