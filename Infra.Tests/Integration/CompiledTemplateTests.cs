using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FrontFunctions.Infra.Tests.Infrastructure;

namespace FrontFunctions.Infra.Tests.Integration;

/// <summary>
/// Security and wiring properties read from the ARM JSON main.bicep compiles to. The walk is generic (any module layout,
/// resources as array or object), so a refactor of the Bicep files keeps these tests meaningful. ARM expressions stay
/// strings: where a value is only known at deployment, the test checks the expression's shape.
/// </summary>
public sealed partial class CompiledTemplateTests
{
    private static readonly JsonObject Main = CompiledInfra.Instance.MainTemplate;

    private static readonly IReadOnlyList<AppSetting> Settings = AppSetting.All(Main);

    [Fact]
    public void Storage_account_refuses_shared_keys_old_TLS_and_public_blobs()
    {
        var account = Assert.Single(ArmTemplate.OfType(Main, "Microsoft.Storage/storageAccounts"));
        var properties = account.Properties!;
        Assert.False(properties["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.Equal("TLS1_2", properties["minimumTlsVersion"]!.GetValue<string>());
        Assert.False(properties["allowBlobPublicAccess"]!.GetValue<bool>());
        Assert.True(properties["supportsHttpsTrafficOnly"]!.GetValue<bool>());

        foreach (var container in ArmTemplate.OfType(Main, "Microsoft.Storage/storageAccounts/blobServices/containers"))
        {
            Assert.Equal("None", container.Properties?["publicAccess"]?.GetValue<string>());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Function_app_is_https_only_with_TLS_1_2(bool vnetEnabled)
    {
        var deployment = ArmDeployment.Of(Main, vnetEnabled);
        var site = Assert.Single(deployment.OfType("Microsoft.Web/sites"));
        Assert.True(deployment.Property(site, "httpsOnly").AsBool);
        Assert.Equal("1.2", deployment.Property(site, "siteConfig.minTlsVersion").AsString);
        Assert.Equal("1.2", deployment.Property(site, "siteConfig.scmMinTlsVersion").AsString);
    }

    /// <summary>
    /// Site properties a Flex app must not set: Learn's "Flex Consumption plan deprecations"
    /// (functions-app-settings#flex-consumption-plan-deprecations) lists ftpsState; the runtime version properties moved to
    /// functionAppConfig.runtime, the scale properties (functionAppScaleLimit, pre-warmed/elastic counts) to
    /// functionAppConfig.scaleAndConcurrency, and Flex routes all outbound traffic through its VNet (no vnet*Enabled
    /// switches). The service answers BadRequest for invalid Flex site config, region by region. (alwaysOn: false is
    /// accepted; the Flex quickstart sets it.)
    /// </summary>
    private static readonly string[] FlexDeprecatedSiteConfig =
    [
        "ftpsState", "linuxFxVersion", "windowsFxVersion", "netFrameworkVersion", "javaVersion", "powerShellVersion",
        "functionAppScaleLimit", "functionsRuntimeScaleMonitoringEnabled", "preWarmedInstanceCount", "minimumElasticInstanceCount",
        "use32BitWorkerProcess", "vnetRouteAllEnabled",
    ];

    private static readonly string[] FlexDeprecatedSiteProperties =
    [
        "containerSize", "dailyMemoryTimeQuota", "vnetRouteAllEnabled", "vnetContentShareEnabled", "vnetImagePullEnabled",
        "vnetBackupRestoreEnabled",
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Flex_site_sets_no_deprecated_site_config_and_FTP_is_off_through_the_publishing_policy(bool vnetEnabled)
    {
        var deployment = ArmDeployment.Of(Main, vnetEnabled);
        var site = Assert.Single(deployment.OfType("Microsoft.Web/sites"));
        var siteConfig = site.Properties?["siteConfig"]?.AsObject() ?? [];
        foreach (var name in FlexDeprecatedSiteConfig)
        {
            Assert.False(siteConfig.Any(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)), $"siteConfig.{name} is not valid on Flex Consumption.");
        }

        foreach (var name in FlexDeprecatedSiteProperties)
        {
            Assert.False(site.Properties!.Any(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)), $"properties.{name} is not valid on Flex Consumption.");
        }

        var ftp = Assert.Single(deployment.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies"), p => ArmTemplate.ChildNames(p).Contains("ftp"));
        Assert.False(deployment.Property(ftp, "allow").AsBool);
    }

    [Fact]
    public void Basic_publishing_credentials_are_off_for_ftp_and_scm()
    {
        var policies = ArmTemplate.OfType(Main, "Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToArray();
        var names = policies.SelectMany(ArmTemplate.ChildNames).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["ftp", "scm"], names);
        Assert.All(policies, p => Assert.False(p.Properties!["allow"]!.GetValue<bool>()));
    }

    [Fact]
    public void Function_app_runs_on_Flex_Consumption_as_dotnet_isolated_10_with_the_user_assigned_identity()
    {
        var plan = Assert.Single(ArmTemplate.OfType(Main, "Microsoft.Web/serverfarms"));
        Assert.Equal("FC1", plan.Resource["sku"]?["name"]?.GetValue<string>());
        Assert.Equal("FlexConsumption", plan.Resource["sku"]?["tier"]?.GetValue<string>());
        Assert.True(plan.Properties?["reserved"]?.GetValue<bool>(), "A Flex Consumption plan is Linux (reserved: true).");

        var site = Assert.Single(ArmTemplate.OfType(Main, "Microsoft.Web/sites"));
        Assert.Equal("functionapp,linux", site.Resource["kind"]?.GetValue<string>());
        Assert.Equal("UserAssigned", site.Resource["identity"]?["type"]?.GetValue<string>());

        var config = site.Properties!["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", config["runtime"]?["name"]?.GetValue<string>());
        Assert.Equal("10.0", config["runtime"]?["version"]?.GetValue<string>());
        Assert.NotNull(config["scaleAndConcurrency"]?["instanceMemoryMB"]);
        Assert.NotNull(config["scaleAndConcurrency"]?["maximumInstanceCount"]);

        var storage = config["deployment"]?["storage"];
        Assert.Equal("blobContainer", storage?["type"]?.GetValue<string>());
        Assert.Equal("UserAssignedIdentity", storage?["authentication"]?["type"]?.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(storage?["authentication"]?["userAssignedIdentityResourceId"]?.GetValue<string>()));

        // Key Vault references would otherwise resolve with a system-assigned identity the app does not have.
        Assert.False(string.IsNullOrEmpty(site.Properties["keyVaultReferenceIdentity"]?.GetValue<string>()));
    }

    [Theory]
    [InlineData("Front__AppSecret")]
    [InlineData("Front__PreviousAppSecret")]
    public void Front_secrets_are_Key_Vault_references(string name)
    {
        var setting = Assert.Single(Settings, s => s.Name == name);
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", setting.ValueText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Front__AppUid")]
    [InlineData("Front__ApiBaseUrl")]
    [InlineData("Front__PublicBaseUrl")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING")]
    public void Front_and_monitoring_settings_are_present(string name)
    {
        var setting = Assert.Single(Settings, s => s.Name == name);
        Assert.False(string.IsNullOrWhiteSpace(setting.ValueText), $"{name} is empty.");
    }

    [Fact]
    public void Public_base_url_is_the_https_default_host_name()
    {
        var setting = Assert.Single(Settings, s => s.Name == "Front__PublicBaseUrl");
        Assert.Contains("https://", setting.ValueText, StringComparison.Ordinal);
        Assert.Contains("defaultHostName", setting.ValueText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, null, "0")]
    [InlineData(true, null, "0")]
    [InlineData(false, false, "0")]
    [InlineData(true, true, "1")]
    public void The_dotnet_isolated_placeholder_setting_is_in_the_template_off_by_default(bool vnetEnabled, bool? placeholder, string expected)
    {
        // Set by hand it would be lost: the appsettings resource replaces all settings on every provision.
        var deployment = placeholder is { } on
            ? ArmDeployment.Of(Main, vnetEnabled, ("dotnetIsolatedPlaceholder", JsonValue.Create(on)))
            : ArmDeployment.Of(Main, vnetEnabled);
        var setting = Assert.Single(Settings, s => s.Name == "WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED");
        Assert.Equal(expected, deployment.Evaluate(setting.Value, setting.Scope).AsString);
    }

    [Fact]
    public void Maximum_instance_count_allows_1_to_1000_and_defaults_to_one()
    {
        // Learn, "Event-driven scaling" (Limit scale-out): the lowest maximum instance count is 1, the highest 1000.
        foreach (var scope in ArmTemplate.Scopes(Main).Where(s => s.Template["parameters"]?["maximumInstanceCount"] is not null))
        {
            var declared = scope.Template["parameters"]!["maximumInstanceCount"]!;
            Assert.Equal(1, declared["minValue"]?.GetValue<int>());
            Assert.Equal(1000, declared["maxValue"]?.GetValue<int>());
        }

        Assert.Equal(1, Main["parameters"]?["maximumInstanceCount"]?["defaultValue"]?.GetValue<int>());
    }

    [Fact]
    public void Instance_memory_is_one_of_the_documented_Flex_sizes()
    {
        // Learn, Flex Consumption plan, "Instance sizes": 512, 2048 (default) and 4096 MB.
        foreach (var scope in ArmTemplate.Scopes(Main).Where(s => s.Template["parameters"]?["instanceMemoryMB"] is not null))
        {
            var allowed = scope.Template["parameters"]!["instanceMemoryMB"]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<int>()).Order();
            Assert.Equal([512, 2048, 4096], allowed);
        }

        Assert.Equal(2048, Main["parameters"]?["instanceMemoryMB"]?["defaultValue"]?.GetValue<int>());
    }

    [Theory]
    [InlineData(false, null, null, null, "100", "5", "true", "1")]
    [InlineData(true, null, null, null, "100", "5", "true", "1")]
    [InlineData(false, 4, 100, null, "100", "5", "true", "4")]    // shared budget (the default): the whole company limit
    [InlineData(true, 40, 200, true, "200", "5", "true", "40")]   // (a storage outage falls back to limit / every instance)
    [InlineData(false, 4, 100, false, "25", "1", "false", "4")]   // off: each instance paces alone, so the limit is split
    [InlineData(true, 4, 200, false, "50", "1", "false", "4")]
    [InlineData(false, 1000, 50, false, "1", "1", "false", "1000")]
    public void Front_budget_is_shared_or_split_over_the_maximum_instance_count(
        bool vnetEnabled, int? instances, int? companyLimit, bool? shared, string perMinute, string burst, string sharedSetting, string maximumInstances)
    {
        // Front's limit is per company: N instances each pacing at the full rate would send N times it, unless they lease
        // from the one shared budget.
        var given = new List<(string, JsonNode?)>();
        if (instances is { } n)
        {
            given.Add(("maximumInstanceCount", JsonValue.Create(n)));
        }

        if (companyLimit is { } limit)
        {
            given.Add(("frontRateLimitPerMinute", JsonValue.Create(limit)));
        }

        if (shared is { } on)
        {
            given.Add(("frontSharedBudget", JsonValue.Create(on)));
        }

        var deployment = ArmDeployment.Of(Main, vnetEnabled, [.. given]);
        string Value(string name)
        {
            var setting = Assert.Single(Settings, s => s.Name == name);
            return deployment.Evaluate(setting.Value, setting.Scope).AsString ?? $"<{name} not evaluated>";
        }

        Assert.Equal(perMinute, Value("Front__RequestsPerMinute"));
        Assert.Equal(burst, Value("Front__BurstPerSecond"));
        Assert.Equal(sharedSetting, Value("Front__SharedBudget__Enabled"));
        Assert.Equal(maximumInstances, Value("Front__SharedBudget__MaximumInstanceCount")); // sizes the fallback (SharedBudgetOptions)
        Assert.Single(Settings, s => s.Name == "Front__SharedBudget__AlwaysReadyInstances");
    }

    /// <summary>
    /// Identity-based, in the account-name form: the service-URI form (<c>__blobServiceUri</c> and its siblings) gave Flex hosts
    /// intermittent 401s, https://github.com/Azure/azure-functions-host/issues/11782, whose workaround is <c>__accountName</c>.
    /// </summary>
    [Fact]
    public void AzureWebJobsStorage_is_identity_based_by_account_name()
    {
        string Value(string name) => Assert.Single(Settings, s => s.Name == name).ValueText;

        Assert.Equal("managedidentity", Value("AzureWebJobsStorage__credential"));
        Assert.False(string.IsNullOrEmpty(Value("AzureWebJobsStorage__clientId")));
        Assert.Equal("[parameters('storageAccountName')]", Value("AzureWebJobsStorage__accountName"));
        // ...which main.bicep fills with the storage module's account name output.
        var module = Assert.Single(ArmTemplate.AllResources(Main), r => r.Resource["name"]?.ToString() == "functionApp");
        var passed = ArmTemplate.TextOf(module.Properties?["parameters"]?["storageAccountName"]?["value"]);
        Assert.Contains("'storage'", passed, StringComparison.Ordinal);
        Assert.Contains("outputs.name.value", passed, StringComparison.Ordinal);
        Assert.DoesNotContain(Settings, s => s.Name.EndsWith("ServiceUri", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(Settings, s => s.Name == "AzureWebJobsStorage");
    }

    // Flex Consumption takes the runtime and the package location from functionAppConfig and rejects these settings.
    [Theory]
    [InlineData("FUNCTIONS_WORKER_RUNTIME")]
    [InlineData("FUNCTIONS_EXTENSION_VERSION")]
    [InlineData("WEBSITE_RUN_FROM_PACKAGE")]
    [InlineData("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING")]
    [InlineData("WEBSITE_CONTENTSHARE")]
    [InlineData("AzureWebJobsStorage__accountKey")]
    public void Settings_Flex_Consumption_rejects_or_keys_are_absent(string name) =>
        Assert.DoesNotContain(Settings, s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    [Fact]
    public void Application_Insights_accepts_only_Entra_auth_and_the_app_uses_it()
    {
        var component = Assert.Single(ArmTemplate.OfType(Main, "Microsoft.Insights/components"));
        Assert.True(component.Properties?["DisableLocalAuth"]?.GetValue<bool>());
        var authentication = Assert.Single(Settings, s => s.Name == "APPLICATIONINSIGHTS_AUTHENTICATION_STRING");
        Assert.Contains("Authorization=AAD", authentication.ValueText, StringComparison.Ordinal);
        Assert.Contains("ClientId=", authentication.ValueText, StringComparison.Ordinal);
    }

    [Fact]
    public void App_settings_hold_no_account_keys_and_no_secure_parameters()
    {
        Assert.NotEmpty(Settings);
        foreach (var setting in Settings)
        {
            var value = setting.ValueText;
            Assert.False(KeyMaterial().IsMatch(value), $"{setting.Name} looks like a key or key-based connection string: {value}");
            foreach (var secure in setting.Scope.SecureParameterNames)
            {
                Assert.False(
                    value.Contains($"parameters('{secure}')", StringComparison.OrdinalIgnoreCase),
                    $"{setting.Name} puts the secure parameter {secure} in plain text; use a Key Vault reference.");
            }
        }
    }

    [Fact]
    public void The_webhook_url_output_is_the_app_webhook_route_the_functions_declare()
    {
        // The route is declared once, on FrontAppWebhook's [HttpTrigger]; README's function table is pinned to the built
        // functions.metadata by FunctionApp.Tests' contract test, so pinning the output to that table pins it to the declaration.
        var readme = File.ReadAllText(Path.Combine(BicepCli.InfraDirectory, "..", "README.md"));
        var route = Regex.Match(readme, @"^\| `FrontAppWebhook` \| HTTP \| `([^`]+)` \|", RegexOptions.Multiline).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(route), "README's function table has no FrontAppWebhook row.");
        var output = ArmTemplate.TextOf(Main["outputs"]!["FRONT_WEBHOOK_URL"]!["value"]);
        Assert.Contains("/api/" + route + "'", output, StringComparison.Ordinal); // format('https://{0}/api/…', host)
    }

    [Fact]
    public void Secure_parameters_stay_secure_across_modules_and_never_reach_outputs()
    {
        foreach (var scope in ArmTemplate.Scopes(Main))
        {
            var secure = scope.SecureParameterNames.ToArray();
            foreach (var output in scope.Template["outputs"]?.AsObject() ?? [])
            {
                var text = ArmTemplate.TextOf(output.Value);
                Assert.DoesNotContain(secure, s => RevealsValue(text, s));
            }

            foreach (var deployment in scope.Resources.Where(r => r["type"]?.GetValue<string>() == ArmTemplate.DeploymentType))
            {
                var nested = deployment["properties"]?["template"] as JsonObject;
                var nestedScope = new ArmScope(nested ?? [], scope, deployment, $"{scope.Path}/{deployment["name"]}");
                foreach (var passed in deployment["properties"]?["parameters"]?.AsObject() ?? [])
                {
                    var text = ArmTemplate.TextOf(passed.Value);
                    if (secure.Any(s => RevealsValue(text, s)))
                    {
                        Assert.True(
                            nestedScope.IsSecureParameter(passed.Key),
                            $"{nestedScope.Path} receives a secure value in its non-secure parameter {passed.Key}.");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void App_identity_has_the_storage_key_vault_and_monitoring_roles(bool vnetEnabled)
    {
        var deployment = ArmDeployment.Of(Main, vnetEnabled);
        var appAssignments = deployment.OfType("Microsoft.Authorization/roleAssignments").Where(r => !IsOperatorAssignment(r)).ToArray();
        var roleIds = appAssignments
            .Select(r => r.Properties?["roleDefinitionId"]?.GetValue<string>() ?? "")
            .SelectMany(id => RoleGuid().Matches(id).Select(m => m.Value.ToLowerInvariant()))
            .ToHashSet();

        Assert.Contains(BuiltInRoles.StorageBlobDataOwner, roleIds);
        Assert.Contains(BuiltInRoles.StorageQueueDataContributor, roleIds);
        Assert.Contains(BuiltInRoles.StorageTableDataContributor, roleIds);
        Assert.Contains(BuiltInRoles.KeyVaultSecretsUser, roleIds);
        Assert.Contains(BuiltInRoles.MonitoringMetricsPublisher, roleIds);

        // Least privilege: nothing broader (Owner, Contributor, Storage Account Contributor, Key Vault Administrator…).
        Assert.Subset(BuiltInRoles.All, roleIds);

        foreach (var assignment in appAssignments)
        {
            Assert.Equal("ServicePrincipal", assignment.Properties?["principalType"]?.GetValue<string>());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_deploying_operator_gets_queue_contributor_table_reader_and_blob_reader_on_the_storage_account_by_default(bool vnetEnabled)
    {
        var deployment = ArmDeployment.Of(Main, vnetEnabled);
        var assignment = Assert.Single(deployment.OfType("Microsoft.Authorization/roleAssignments"), IsOperatorAssignment);

        Assert.Equal(OperatorRoles, OperatorRoleIds(deployment, assignment));
        Assert.Contains("Microsoft.Storage/storageAccounts", ArmTemplate.TextOf(assignment.Resource["scope"]), StringComparison.Ordinal);
        Assert.Contains("parameters('principalId')", ArmTemplate.TextOf(assignment.Properties?["principalId"]), StringComparison.Ordinal);

        // The default principal is whoever deploys (deployer().objectId, known only at deployment time).
        Assert.False(deployment.Parameter("principalId", assignment.Scope).IsKnown);
        Assert.Contains("deployer()", ArmTemplate.TextOf(assignment.Scope.Deployment?["properties"]?["parameters"]?["principalId"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_given_operator_principal_is_used_and_the_roles_can_be_turned_off(bool vnetEnabled)
    {
        const string group = "11111111-2222-3333-4444-555555555555";
        var given = ArmDeployment.Of(Main, vnetEnabled, ("operatorPrincipalId", JsonValue.Create(group)), ("operatorPrincipalType", JsonValue.Create("Group")));
        var assignment = Assert.Single(given.OfType("Microsoft.Authorization/roleAssignments"), IsOperatorAssignment);
        Assert.Equal(group, given.Parameter("principalId", assignment.Scope).AsString);
        Assert.Equal("Group", given.Property(assignment, "principalType").AsString);

        var off = ArmDeployment.Of(Main, vnetEnabled, ("operatorRoles", JsonValue.Create(false)));
        Assert.DoesNotContain(off.OfType("Microsoft.Authorization/roleAssignments"), IsOperatorAssignment);
        Assert.NotEmpty(off.OfType("Microsoft.Authorization/roleAssignments"));
    }

    private static readonly HashSet<string> OperatorRoles =
    [
        "974c5e8b-45b9-4653-ba55-5f855dd0fb88", // Storage Queue Data Contributor
        "76199698-9eea-4c19-bc75-cec21354c6b6", // Storage Table Data Reader
        "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", // Storage Blob Data Reader
    ];

    [GeneratedRegex(@"(?<array>variables\('[^']+'\))\[copyIndex\(\)\]")]
    private static partial Regex LoopedArray();

    private static bool IsOperatorAssignment(ArmResource assignment) =>
        assignment.Scope.Path.EndsWith("/operatorAccess", StringComparison.Ordinal);

    /// <summary>The role ids a (possibly looped) assignment grants: literal ids, or the ids of the array it loops over.</summary>
    private static HashSet<string> OperatorRoleIds(ArmDeployment deployment, ArmResource assignment)
    {
        var definition = assignment.Properties?["roleDefinitionId"]?.GetValue<string>() ?? "";
        var looped = LoopedArray().Match(definition);
        var ids = looped.Success && deployment.Evaluate(JsonValue.Create($"[{looped.Groups["array"].Value}]"), assignment.Scope).Node is JsonArray roles
            ? roles.Select(r => r?["id"]?.GetValue<string>() ?? "")
            : RoleGuid().Matches(definition).Select(m => m.Value);
        return ids.Select(id => id.ToLowerInvariant()).ToHashSet();
    }

    [Fact]
    public void Key_Vault_uses_RBAC_and_soft_delete()
    {
        var vault = Assert.Single(ArmTemplate.OfType(Main, "Microsoft.KeyVault/vaults"));
        Assert.True(vault.Properties?["enableRbacAuthorization"]?.GetValue<bool>());
        Assert.True(vault.Properties?["enableSoftDelete"]?.GetValue<bool>());
        Assert.Null(vault.Properties?["accessPolicies"]);
        Assert.NotEmpty(ArmTemplate.OfType(Main, "Microsoft.KeyVault/vaults/secrets"));
    }

    /// <summary>
    /// Whether an expression uses a secure parameter's value. <c>empty(parameters('x'))</c> does not count: whether a
    /// secret was given is not the secret (the optional previous App secret is created only when it is given, and the
    /// module output of its URI carries that condition).
    /// </summary>
    private static bool RevealsValue(string expression, string secureParameter)
    {
        var reference = $"parameters('{secureParameter}')";
        var withoutEmptinessChecks = expression.Replace($"empty({reference})", "", StringComparison.OrdinalIgnoreCase);
        return withoutEmptinessChecks.Contains(reference, StringComparison.OrdinalIgnoreCase);
    }

    // Key-based credentials: an account key in a connection string, a SAS token, or a listKeys() call.
    [GeneratedRegex(@"AccountKey=|SharedAccessSignature=|[?&]sig=|listKeys\(|listAccountSas\(|DefaultEndpointsProtocol=", RegexOptions.IgnoreCase)]
    private static partial Regex KeyMaterial();

    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex RoleGuid();

    /// <summary>Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).</summary>
    private static class BuiltInRoles
    {
        public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
        public const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
        public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
        public const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
        public const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

        public static readonly HashSet<string> All =
        [
            StorageBlobDataOwner, StorageQueueDataContributor, StorageTableDataContributor, KeyVaultSecretsUser, MonitoringMetricsPublisher,
        ];
    }
}
