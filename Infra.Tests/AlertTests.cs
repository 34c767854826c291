using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FrontFunctions.Infra.Tests.Support;

namespace FrontFunctions.Infra.Tests;

/// <summary>
/// The alerts main.bicep promises (poison queue, ingest backlog, webhook 5xx, Front 429), wired to an action group whose
/// e-mail is a parameter, in both VNet states. The queries name functions that must exist in FunctionApp/Functions.
/// </summary>
public sealed partial class AlertTests
{
    private static readonly JsonObject Main = CompiledInfra.Instance.MainTemplate;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Action_group_mails_the_given_address(bool vnetEnabled)
    {
        var given = ArmDeployment.Of(Main, vnetEnabled, ("alertEmailAddress", JsonValue.Create("ops@example.com")));
        var group = Assert.Single(given.OfType("Microsoft.Insights/actionGroups"));
        Assert.True(given.Property(group, "enabled").AsBool);
        var receivers = given.Property(group, "emailReceivers").Node as JsonArray;
        Assert.Equal("ops@example.com", Assert.Single(receivers!)!["emailAddress"]?.GetValue<string>());

        var none = ArmDeployment.Of(Main, vnetEnabled);
        var withoutEmail = Assert.Single(none.OfType("Microsoft.Insights/actionGroups"));
        Assert.Empty((none.Property(withoutEmail, "emailReceivers").Node as JsonArray)!);
    }

    [Theory]
    [InlineData(false, "poison-messages", "front-ingest-poison")]
    [InlineData(true, "poison-messages", "front-ingest-poison")]
    [InlineData(false, "ingest-backlog", "EnrichImportedMessage")]
    [InlineData(true, "ingest-backlog", "EnrichImportedMessage")]
    [InlineData(false, "webhook-5xx", ">= 500")]
    [InlineData(true, "webhook-5xx", ">= 500")]
    [InlineData(false, "front-429", "\"429\"")]
    [InlineData(true, "front-429", "\"429\"")]
    public void Each_promised_alert_is_an_enabled_log_alert_on_Application_Insights_that_notifies_the_action_group(bool vnetEnabled, string rule, string queryMentions)
    {
        var deployment = ArmDeployment.Of(Main, vnetEnabled);
        var rules = Rules(deployment);
        Assert.Contains(rule, rules.Keys);
        var found = rules[rule];

        Assert.Contains(queryMentions, found["query"]!.GetValue<string>(), StringComparison.Ordinal);
        var resource = Assert.Single(deployment.OfType("Microsoft.Insights/scheduledQueryRules"));
        Assert.Equal("LogAlert", resource.Resource["kind"]?.GetValue<string>());
        Assert.True(deployment.Property(resource, "enabled").AsBool);
        Assert.Contains("Microsoft.Insights/components", ArmTemplate.TextOf(resource.Properties?["scopes"]), StringComparison.Ordinal);
        Assert.Contains("Microsoft.Insights/actionGroups", ArmTemplate.TextOf(resource.Properties?["actions"]), StringComparison.Ordinal);
        Assert.Contains("parameters('location')", ArmTemplate.TextOf(resource.Resource["location"]), StringComparison.Ordinal);
    }

    [Fact]
    public void The_429_alert_counts_calls_to_the_configured_Front_API()
    {
        var deployment = ArmDeployment.Of(Main, false, ("frontApiBaseUrl", JsonValue.Create("https://front.example")));
        Assert.Contains("startswith \"https://front.example\"", Rules(deployment)["front-429"]["query"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Function_names_in_alert_queries_exist_in_the_app()
    {
        var functionsDirectory = Path.Combine(BicepCli.InfraDirectory, "..", "FunctionApp", "Functions");
        var declared = Directory.GetFiles(functionsDirectory, "*.cs")
            .SelectMany(f => FunctionAttribute().Matches(File.ReadAllText(f)).Select(m => m.Groups["name"].Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("EnrichImportedMessage", declared);

        var queries = string.Join('\n', Rules(ArmDeployment.Of(Main, false)).Values.Select(r => r["query"]!.GetValue<string>()));
        foreach (var name in new[] { "EnrichImportedMessage", "FrontChannelWebhook", "FrontAppWebhook" })
        {
            Assert.Contains($"\"{name}\"", queries, StringComparison.Ordinal);
            Assert.Contains(name, declared);
        }
    }

    /// <summary>The alert definitions the rule loop iterates, by name (the loop's array, evaluated).</summary>
    private static Dictionary<string, JsonObject> Rules(ArmDeployment deployment)
    {
        var resource = Assert.Single(deployment.OfType("Microsoft.Insights/scheduledQueryRules"));
        var array = deployment.Evaluate(JsonValue.Create("[variables('rules')]"), resource.Scope).Node as JsonArray;
        Assert.NotNull(array);
        return array.OfType<JsonObject>().ToDictionary(r => r["name"]!.GetValue<string>(), r => r);

    }

    [GeneratedRegex("""\[Function\("(?<name>[^"]+)"\)\]""")]
    private static partial Regex FunctionAttribute();
}
