using System.Text.Json.Nodes;
using FrontFunctions.Infra.Tests.Infrastructure;
using FrontFunctions.Storage;

namespace FrontFunctions.Infra.Tests.Integration;

/// <summary>The template creates the queues, tables and container the app uses, named as in <see cref="StorageNames"/>.</summary>
public sealed class StorageLayoutTests
{
    private static readonly JsonObject Main = CompiledInfra.Instance.MainTemplate;

    private static string[] Names(string type) =>
        ArmTemplate.OfType(Main, type).SelectMany(ArmTemplate.ChildNames).ToArray();

    [Theory]
    [InlineData(StorageNames.IngestQueue)]
    [InlineData(StorageNames.IngestPoisonQueue)]
    [InlineData(StorageNames.ImportCheckQueue)]
    [InlineData(StorageNames.ImportCheckPoisonQueue)]
    [InlineData(StorageNames.OutboundQueue)]
    [InlineData(StorageNames.OutboundPoisonQueue)]
    public void Queue_is_created_up_front(string queue) =>
        Assert.Contains(queue, Names("Microsoft.Storage/storageAccounts/queueServices/queues"));

    [Theory]
    [InlineData(StorageNames.ChannelsTable)]
    [InlineData(StorageNames.IdMapTable)]
    [InlineData(StorageNames.FailuresTable)]
    [InlineData(StorageNames.ImportsTable)]
    [InlineData(StorageNames.BudgetTable)]
    [InlineData(StorageNames.SeenSignaturesTable)]
    [InlineData(StorageNames.ConsoleTable)]
    [InlineData(StorageNames.SeenMarksTable)]
    public void Table_is_created_up_front(string table) =>
        Assert.Contains(table, Names("Microsoft.Storage/storageAccounts/tableServices/tables"));

    [Fact]
    public void Payload_container_is_created_up_front() =>
        Assert.Contains(StorageNames.PayloadContainer, Names("Microsoft.Storage/storageAccounts/blobServices/containers"));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_lifecycle_rule_deletes_payload_blobs_after_a_few_days_and_nothing_else(bool vnetEnabled)
    {
        var deployment = ArmDeployment.Of(Main, vnetEnabled);
        var policy = Assert.Single(deployment.OfType("Microsoft.Storage/storageAccounts/managementPolicies"));
        var rules = deployment.Property(policy, "policy.rules").Node as JsonArray;
        var rule = Assert.Single(rules!)!.AsObject();
        Assert.True(rule["enabled"]?.GetValue<bool>());
        Assert.Equal("Lifecycle", rule["type"]?.GetValue<string>());

        // The live prefixes only (ingest envelopes are named by channel id, outbound events under outbound/): a poisoned
        // item's blob, kept under failed/, lives until an operator acts on it.
        var prefixes = rule["definition"]!["filters"]!["prefixMatch"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.Equal([StorageNames.PayloadContainer + "/cha_", StorageNames.PayloadContainer + "/outbound/"], prefixes);
        Assert.DoesNotContain(prefixes, p => (StorageNames.PayloadContainer + "/" + StorageNames.FailedPayloadPrefix + "cha_1/x.json").StartsWith(p, StringComparison.Ordinal)
            || (StorageNames.PayloadContainer + "/" + StorageNames.FailedPayloadPrefix + "outbound/x.json").StartsWith(p, StringComparison.Ordinal));
        Assert.Equal(["blockBlob"], rule["definition"]!["filters"]!["blobTypes"]!.AsArray().Select(t => t!.GetValue<string>()));

        // Only a delete of the base blob, by age: 7 days by default (the queue TTL), and a parameter.
        var actions = rule["definition"]!["actions"]!.AsObject();
        Assert.Equal(["baseBlob"], actions.Select(a => a.Key));
        Assert.Equal(7, actions["baseBlob"]!["delete"]!["daysAfterModificationGreaterThan"]!.GetValue<int>());

        var longer = ArmDeployment.Of(Main, vnetEnabled, ("payloadRetentionDays", JsonValue.Create(30)));
        var relaxed = Assert.Single(longer.OfType("Microsoft.Storage/storageAccounts/managementPolicies"));
        var relaxedRule = (longer.Property(relaxed, "policy.rules").Node as JsonArray)![0]!;
        Assert.Equal(30, relaxedRule["definition"]!["actions"]!["baseBlob"]!["delete"]!["daysAfterModificationGreaterThan"]!.GetValue<int>());
    }
}
