using System.Diagnostics;
using FrontFunctions.Infra.Tests.Infrastructure;

namespace FrontFunctions.Infra.Tests.Integration;

/// <summary>
/// The azd postprovision hook that forces App Service to resolve the app's Key Vault references (the documented
/// <c>config/configreferences/appsettings/refresh</c> action) and waits until all are Resolved. Run with <c>sh</c>, as
/// azd runs it, against a fake <c>az</c> on PATH that records its calls and reports references unresolved for a while.
/// </summary>
public sealed class KeyVaultRefreshHookTests : IDisposable
{
    private static readonly string RepositoryRoot = Path.GetFullPath(Path.Combine(BicepCli.InfraDirectory, ".."));
    private static readonly string Hook = Path.Combine(BicepCli.InfraDirectory, "hooks", "refresh-keyvault-references.sh");

    private readonly string _directory = Directory.CreateTempSubdirectory("kv-refresh-hook-").FullName;

    [Fact]
    public void Azd_runs_the_hook_after_every_provision()
    {
        var azureYaml = File.ReadAllText(Path.Combine(RepositoryRoot, "azure.yaml"));
        Assert.Contains("postprovision:", azureYaml, StringComparison.Ordinal);
        Assert.Contains("run: ./infra/hooks/refresh-keyvault-references.sh", azureYaml, StringComparison.Ordinal);
        Assert.Contains("run: ./infra/hooks/refresh-keyvault-references.ps1", azureYaml, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.ChangeExtension(Hook, ".ps1")));

        // azd hands the template outputs to hooks as environment variables: the hook needs these two.
        var outputs = CompiledInfra.Instance.MainTemplate["outputs"]!.AsObject();
        Assert.True(outputs.ContainsKey("AZURE_FUNCTION_NAME"));
        Assert.True(outputs.ContainsKey("AZURE_RESOURCE_GROUP"));
    }

    [Fact]
    public void Refreshes_the_site_references_and_waits_until_they_resolve()
    {
        var (exitCode, output, calls) = RunHook(unresolvedPolls: 2, timeoutSeconds: 60);

        Assert.True(exitCode == 0, output);
        const string site = "/subscriptions/sub-1/resourceGroups/rg-front/providers/Microsoft.Web/sites/func-front-abc";
        var refreshes = calls.Where(c => c.Contains("--method post", StringComparison.Ordinal)).ToArray();
        var polls = calls.Where(c => c.Contains("--method get", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, polls.Length);
        Assert.Equal(3, refreshes.Length);
        Assert.All(refreshes, c => Assert.Contains($"--url {site}/config/configreferences/appsettings/refresh?api-version=", c, StringComparison.Ordinal));
        Assert.All(polls, c => Assert.Contains($"--url {site}/config/configreferences/appsettings?api-version=", c, StringComparison.Ordinal));
        Assert.Contains("all resolved", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Fails_naming_the_setting_when_a_reference_stays_unresolved()
    {
        var (exitCode, output, calls) = RunHook(unresolvedPolls: int.MaxValue, timeoutSeconds: 0);

        Assert.Equal(1, exitCode);
        Assert.Contains("Front__AppSecret", output, StringComparison.Ordinal);
        Assert.Contains("still unresolved", output, StringComparison.Ordinal);
        Assert.Single(calls, c => c.Contains("--method post", StringComparison.Ordinal));
    }

    [Fact]
    public void Fails_when_the_refresh_call_fails()
    {
        var (exitCode, _, calls) = RunHook(unresolvedPolls: 0, timeoutSeconds: 60, failRefresh: true);

        Assert.NotEqual(0, exitCode);
        Assert.DoesNotContain(calls, c => c.Contains("--method get", StringComparison.Ordinal));
    }

    /// <summary>
    /// Learn: a role assignment can take up to 10 minutes to take effect ("Troubleshoot Azure RBAC", "Role assignment changes
    /// are not being detected"), and the identity's Key Vault role is created in the same deployment, so by default the hook
    /// waits 15 minutes. A fake <c>date</c> makes the clock jump: at 899 s it still waits, at 900 s it gives up.
    /// </summary>
    [Fact]
    public void Waits_up_to_15_minutes_by_default()
    {
        var (exitCode, output, calls) = RunHook(unresolvedPolls: int.MaxValue, timeoutSeconds: null, clock: [1000, 1000 + 899, 1000 + 900]);

        Assert.Equal(1, exitCode);
        Assert.Contains("still unresolved after 900 s", output, StringComparison.Ordinal);
        Assert.Equal(2, calls.Count(c => c.Contains("--method get", StringComparison.Ordinal)));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (int ExitCode, string Output, string[] Calls) RunHook(int unresolvedPolls, int? timeoutSeconds, bool failRefresh = false, long[]? clock = null)
    {
        var log = Path.Combine(_directory, "az.log");
        var fakeAz = Path.Combine(_directory, "az");
        File.WriteAllText(fakeAz, """
            #!/bin/sh
            echo "$*" >> "$FAKE_AZ_LOG"
            case "$*" in
              *"--method post"*) [ "$FAKE_AZ_FAIL_REFRESH" = "1" ] && exit 3; exit 0 ;;
              *"--method get"*)
                n=$(cat "$FAKE_AZ_LOG.polls" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$FAKE_AZ_LOG.polls"
                if [ "$n" -le "$FAKE_AZ_UNRESOLVED_POLLS" ]; then echo "Front__AppSecret"; fi
                exit 0 ;;
            esac
            exit 2
            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The hook test runs the POSIX hook with sh; run Infra.Tests on Linux.");
        }

        File.SetUnixFileMode(fakeAz, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (clock is not null)
        {
            // date +%s answers the given times in turn (the last one repeated).
            var fakeDate = Path.Combine(_directory, "date");
            File.WriteAllText(fakeDate, """
                #!/bin/sh
                n=0; [ -f "$FAKE_DATE_COUNT" ] && read -r n < "$FAKE_DATE_COUNT"; n=$((n + 1)); echo "$n" > "$FAKE_DATE_COUNT"
                i=0; last=0
                for t in $FAKE_DATE_TIMES; do i=$((i + 1)); last=$t; [ "$i" -eq "$n" ] && { echo "$t"; exit 0; }; done
                echo "$last"
                """.Replace("\r\n", "\n", StringComparison.Ordinal));
            File.SetUnixFileMode(fakeDate, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Hook);
        start.Environment["PATH"] = _directory + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment["AZURE_SUBSCRIPTION_ID"] = "sub-1";
        start.Environment["AZURE_RESOURCE_GROUP"] = "rg-front";
        start.Environment["AZURE_FUNCTION_NAME"] = "func-front-abc";
        if (timeoutSeconds is { } timeout)
        {
            start.Environment["KEYVAULT_REFRESH_TIMEOUT_SECONDS"] = timeout.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            start.Environment.Remove("KEYVAULT_REFRESH_TIMEOUT_SECONDS");
        }

        start.Environment["FAKE_DATE_COUNT"] = Path.Combine(_directory, "date.count");
        start.Environment["FAKE_DATE_TIMES"] = string.Join(' ', clock ?? []);
        start.Environment["KEYVAULT_REFRESH_INTERVAL_SECONDS"] = "0";
        start.Environment["FAKE_AZ_LOG"] = log;
        start.Environment["FAKE_AZ_UNRESOLVED_POLLS"] = Math.Min(unresolvedPolls, 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["FAKE_AZ_FAIL_REFRESH"] = failRefresh ? "1" : "0";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "The hook did not finish within 60 s.");
        var calls = File.Exists(log) ? File.ReadAllLines(log) : [];
        return (process.ExitCode, stdout.Result + stderr.Result, calls);
    }
}
