using System.Diagnostics;
using FrontFunctions.Infra.Tests.Infrastructure;

namespace FrontFunctions.Infra.Tests.Integration;

/// <summary>
/// The azd preprovision hook that checks what a first <c>azd up</c> on a fresh subscription needs (az installed and logged in,
/// the right to create role assignments, Microsoft.App registered with the VNet option) and stops with one sentence each.
/// Run with <c>sh</c>, as azd runs it, against a fake <c>az</c> on PATH that records its calls and answers as told.
/// </summary>
public sealed class PrerequisitesHookTests : IDisposable
{
    private static readonly string RepositoryRoot = Path.GetFullPath(Path.Combine(BicepCli.InfraDirectory, ".."));
    private static readonly string Hook = Path.Combine(BicepCli.InfraDirectory, "hooks", "check-prerequisites.sh");

    private readonly string _directory = Directory.CreateTempSubdirectory("prerequisites-hook-").FullName;

    [Fact]
    public void Azd_runs_the_hook_before_every_provision()
    {
        var azureYaml = File.ReadAllText(Path.Combine(RepositoryRoot, "azure.yaml"));
        Assert.Contains("preprovision:", azureYaml, StringComparison.Ordinal);
        Assert.Contains("run: ./infra/hooks/check-prerequisites.sh", azureYaml, StringComparison.Ordinal);
        Assert.Contains("run: ./infra/hooks/check-prerequisites.ps1", azureYaml, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.ChangeExtension(Hook, ".ps1")));
    }

    [Fact]
    public void Stops_when_az_is_not_installed()
    {
        var result = Run(new FakeAz(), installAz: false);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("The Azure CLI (az) is not installed; the postprovision hook needs it: install it (https://learn.microsoft.com/cli/azure/install-azure-cli), run az login, then azd up again.", result.Error);
    }

    [Fact]
    public void Stops_when_az_is_not_logged_in_even_if_azd_is()
    {
        var result = Run(new FakeAz { LoggedIn = false });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("az is not logged in to subscription sub-1 (azd's login is not shared with az): run az login", result.Error, StringComparison.Ordinal);
        Assert.Single(result.ErrorLines);
        Assert.DoesNotContain(result.Calls, c => c.StartsWith("role ", StringComparison.Ordinal));
    }

    [Fact]
    public void Stops_when_the_deployer_is_only_a_Contributor()
    {
        var result = Run(new FakeAz { Roles = ["Contributor", "Reader"] });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot create role assignments on /subscriptions/sub-1", result.Error, StringComparison.Ordinal);
        Assert.Contains("Contributor is not enough", result.Error, StringComparison.Ordinal);
        Assert.Single(result.ErrorLines);
        var list = Assert.Single(result.Calls, c => c.StartsWith("role assignment list", StringComparison.Ordinal));
        Assert.Contains("--assignee oid-user", list, StringComparison.Ordinal);
        Assert.Contains("--include-inherited --include-groups", list, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Owner")]
    [InlineData("User Access Administrator")]
    [InlineData("Role Based Access Control Administrator")]
    public void Passes_with_a_role_that_may_assign_roles(string role)
    {
        var result = Run(new FakeAz { Roles = ["Contributor", role] });

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("Prerequisites: all met.", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Calls, c => c.StartsWith("provider", StringComparison.Ordinal));
    }

    [Fact]
    public void Checks_the_existing_resource_group_and_a_service_principal_by_its_object_id()
    {
        var result = Run(new FakeAz { Roles = ["Owner"], UserType = "servicePrincipal", GroupExists = true }, resourceGroup: "rg-front");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains(result.Calls, c => c.StartsWith("ad sp show --id app-1", StringComparison.Ordinal));
        var list = Assert.Single(result.Calls, c => c.StartsWith("role assignment list", StringComparison.Ordinal));
        Assert.Contains("--assignee oid-sp --scope /subscriptions/sub-1/resourceGroups/rg-front", list, StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_VNet_option_registers_Microsoft_App_when_it_is_not()
    {
        var result = Run(new FakeAz { Roles = ["Owner"], MicrosoftAppState = "NotRegistered" }, vnet: true);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains(result.Calls, c => c.StartsWith("provider register --namespace Microsoft.App --subscription sub-1 --wait", StringComparison.Ordinal));
        Assert.Contains("Microsoft.App: registered.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_VNet_option_stops_when_Microsoft_App_may_not_be_registered()
    {
        var result = Run(new FakeAz { Roles = ["Owner"], MicrosoftAppState = "NotRegistered", RegisterFails = true }, vnet: true);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Microsoft.App resource provider is not registered on subscription sub-1 and this identity may not register it", result.Error, StringComparison.Ordinal);
        Assert.Single(result.ErrorLines);
    }

    [Fact]
    public void With_the_VNet_option_leaves_a_registered_Microsoft_App_alone()
    {
        var result = Run(new FakeAz { Roles = ["Owner"], MicrosoftAppState = "Registered" }, vnet: true);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.DoesNotContain(result.Calls, c => c.StartsWith("provider register", StringComparison.Ordinal));
    }

    [Fact]
    public void Says_where_alerts_go_without_ALERT_EMAIL()
    {
        var without = Run(new FakeAz { Roles = ["Owner"] });
        Assert.Contains("ALERT_EMAIL is not set: the alerts go to the subscription's Owners", without.Output, StringComparison.Ordinal);

        var with = Run(new FakeAz { Roles = ["Owner"] }, alertEmail: "ops@example.com");
        Assert.DoesNotContain("ALERT_EMAIL", with.Output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed record FakeAz
    {
        public bool LoggedIn { get; init; } = true;
        public string UserType { get; init; } = "user";
        public string[] Roles { get; init; } = [];
        public bool GroupExists { get; init; }
        public string MicrosoftAppState { get; init; } = "NotRegistered";
        public bool RegisterFails { get; init; }
    }

    private sealed record Result(int ExitCode, string Output, string Error, string[] Calls)
    {
        public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private Result Run(FakeAz az, bool installAz = true, bool vnet = false, string resourceGroup = "", string alertEmail = "")
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The hook test runs the POSIX hook with sh; run Infra.Tests on Linux.");
        }

        // PATH holds only the fake az (or nothing): the hook uses shell built-ins and az alone, so a real az on this machine
        // cannot answer in the fake's place.
        var bin = Directory.CreateDirectory(Path.Combine(_directory, Guid.NewGuid().ToString("N"))).FullName;
        var log = Path.Combine(bin, "az.log");
        if (installAz)
        {
            var fakeAz = Path.Combine(bin, "az");
            File.WriteAllText(fakeAz, """
                #!/bin/sh
                echo "$*" >> "$FAKE_AZ_LOG"
                case "$*" in
                  "account show"*"--query user.type"*) echo "$FAKE_AZ_USER_TYPE"; exit 0 ;;
                  "account show"*"--query user.name"*) echo "app-1"; exit 0 ;;
                  "account show"*) [ "$FAKE_AZ_LOGGED_IN" = "1" ] || { echo "Please run 'az login'" >&2; exit 1; }; exit 0 ;;
                  "ad signed-in-user show"*) echo "oid-user"; exit 0 ;;
                  "ad sp show --id app-1"*) echo "oid-sp"; exit 0 ;;
                  "group exists"*) echo "$FAKE_AZ_GROUP_EXISTS"; exit 0 ;;
                  "role assignment list"*) printf '%b' "$FAKE_AZ_ROLES"; exit 0 ;;
                  "provider show --namespace Microsoft.App"*) echo "$FAKE_AZ_APP_STATE"; exit 0 ;;
                  "provider register --namespace Microsoft.App"*) [ "$FAKE_AZ_REGISTER_FAILS" = "1" ] && exit 1; exit 0 ;;
                esac
                echo "fake az: unexpected call: $*" >&2
                exit 2
                """.Replace("\r\n", "\n", StringComparison.Ordinal));
            File.SetUnixFileMode(fakeAz, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Hook);
        start.Environment["PATH"] = bin;
        start.Environment["AZURE_SUBSCRIPTION_ID"] = "sub-1";
        start.Environment["AZURE_RESOURCE_GROUP"] = resourceGroup;
        start.Environment["VNET_ENABLED"] = vnet ? "true" : "false";
        start.Environment["ALERT_EMAIL"] = alertEmail;
        start.Environment.Remove("SKIP_ROLE_ASSIGNMENT_CHECK");
        start.Environment["FAKE_AZ_LOG"] = log;
        start.Environment["FAKE_AZ_LOGGED_IN"] = az.LoggedIn ? "1" : "0";
        start.Environment["FAKE_AZ_USER_TYPE"] = az.UserType;
        start.Environment["FAKE_AZ_ROLES"] = string.Join("\\n", az.Roles);
        start.Environment["FAKE_AZ_GROUP_EXISTS"] = az.GroupExists ? "true" : "false";
        start.Environment["FAKE_AZ_APP_STATE"] = az.MicrosoftAppState;
        start.Environment["FAKE_AZ_REGISTER_FAILS"] = az.RegisterFails ? "1" : "0";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "The hook did not finish within 60 s.");
        var calls = File.Exists(log) ? File.ReadAllLines(log) : [];
        return new Result(process.ExitCode, stdout.Result, stderr.Result.Trim(), calls);
    }
}
