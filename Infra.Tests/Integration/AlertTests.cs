using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FrontFunctions.Infra.Tests.Infrastructure;

namespace FrontFunctions.Infra.Tests.Integration;

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
        Assert.Empty((given.Property(group, "armRoleReceivers").Node as JsonArray)!);
    }

    /// <summary>Without ALERT_EMAIL the alerts go to the subscription's Owners (an ARM role receiver), never into nothing.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Action_group_without_an_address_mails_the_subscriptions_Owners(bool vnetEnabled)
    {
        var none = ArmDeployment.Of(Main, vnetEnabled);
        var group = Assert.Single(none.OfType("Microsoft.Insights/actionGroups"));
        Assert.Empty((none.Property(group, "emailReceivers").Node as JsonArray)!);
        var owners = Assert.Single((none.Property(group, "armRoleReceivers").Node as JsonArray)!)!;
        Assert.Equal("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", owners["roleId"]?.GetValue<string>()); // built-in Owner
        Assert.True(owners["useCommonAlertSchema"]?.GetValue<bool>());
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
    [InlineData(false, "poison-items", "customMetrics | where name == \"front.poison.items\"")]
    [InlineData(true, "poison-items", "customMetrics | where name == \"front.poison.items\"")]
    [InlineData(false, "queue-oldest-message-age", "customMetrics | where name == \"front.queue.oldest_message_age\"")]
    [InlineData(true, "queue-oldest-message-age", "customMetrics | where name == \"front.queue.oldest_message_age\"")]
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
    public void The_age_alert_watches_front_outbound_only_when_the_app_delivers_it()
    {
        var without = Rules(ArmDeployment.Of(Main, false))["queue-oldest-message-age"]["query"]!.GetValue<string>();
        Assert.Contains("where queue in (\"front-ingest\", \"front-import-checks\")", without, StringComparison.Ordinal);
        Assert.Contains("summarize oldest = max(valueMax) by queue | where oldest > 900", without, StringComparison.Ordinal);

        var with = Rules(ArmDeployment.Of(Main, false,
            ("partnerOutboundUrl", JsonValue.Create("https://partner.example/front-events"))))["queue-oldest-message-age"]["query"]!.GetValue<string>();
        Assert.Contains("where queue in (\"front-ingest\", \"front-import-checks\", \"front-outbound\")", with, StringComparison.Ordinal);
    }

    [Fact]
    public void The_poison_alert_fires_only_on_a_row_with_items()
    {
        var query = Rules(ArmDeployment.Of(Main, false))["poison-items"]["query"]!.GetValue<string>();
        Assert.EndsWith("summarize items = sum(value) by queue, reason | where items > 0", query, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every rule fires on "Count &gt; 0" of the rows its query returns; a query ending in a bare <c>summarize</c> returns one
    /// row even when nothing happened (count 0), so it would fire on every evaluation. Each must filter after summarizing.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_alert_query_returns_a_row_only_when_something_is_wrong(bool withPartner)
    {
        var deployment = withPartner
            ? ArmDeployment.Of(Main, false, ("partnerOutboundUrl", JsonValue.Create("https://p.example")))
            : ArmDeployment.Of(Main, false);
        foreach (var (name, rule) in Rules(deployment))
        {
            var query = rule["query"]!.GetValue<string>();
            var summarize = query.LastIndexOf("summarize", StringComparison.Ordinal);
            if (summarize < 0)
            {
                continue; // each returned row is itself an occurrence
            }

            var tail = query[summarize..];
            Assert.True(tail.Contains("| where ", StringComparison.Ordinal), $"alert '{name}' returns a row even when its count is 0: {query}");
        }
    }

    [Fact]
    public void Metric_names_in_alert_queries_are_instruments_of_the_app()
    {
        var metricsSource = File.ReadAllText(Path.Combine(BicepCli.InfraDirectory, "..", "FunctionApp", "Telemetry", "FrontMetrics.cs"));
        var storageNames = File.ReadAllText(Path.Combine(BicepCli.InfraDirectory, "..", "FunctionApp", "Storage", "StorageNames.cs"));
        var queries = string.Join('\n', Rules(ArmDeployment.Of(Main, false, ("partnerOutboundUrl", JsonValue.Create("https://p.example"))))
            .Values.Select(r => r["query"]!.GetValue<string>()));
        var named = MetricName().Matches(queries).Select(m => m.Groups["name"].Value).ToList();
        Assert.Equal(["front.poison.items", "front.queue.oldest_message_age"], named.Order(StringComparer.Ordinal));
        Assert.All(named, name => Assert.Contains($"\"{name}\"", metricsSource, StringComparison.Ordinal));
        Assert.Contains("customDimensions[\"queue\"]", queries, StringComparison.Ordinal);
        Assert.Contains("new(\"queue\"", metricsSource, StringComparison.Ordinal); // the tag the queries read
        Assert.Contains("\"front-ingest\"", storageNames, StringComparison.Ordinal);
        Assert.Contains("ImportCheckQueue = \"front-import-checks\"", storageNames, StringComparison.Ordinal);
        Assert.Contains("OutboundQueue = \"front-outbound\"", storageNames, StringComparison.Ordinal);
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

    [GeneratedRegex(@"customMetrics \| where name == ""(?<name>[^""]+)""")]
    private static partial Regex MetricName();

    [GeneratedRegex("""\[Function\("(?<name>[^"]+)"\)\]""")]
    private static partial Regex FunctionAttribute();
}
