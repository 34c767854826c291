using System.Text.Json.Nodes;
using FrontFunctions.Infra.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FrontFunctions.Infra.Tests.Integration;

/// <summary>Every .bicep file under infra/ compiles and lints clean with infra/bicepconfig.json.</summary>
public sealed class BicepBuildTests(ITestOutputHelper output)
{
    // The only diagnostic tolerated: it depends on today's date (an API version turns "old" after 730 days), so it would
    // break the build on a calendar day rather than on a change. It is printed in the test output instead.
    private const string DateDependentRule = "use-recent-api-versions";

    private static CompiledInfra Infra => CompiledInfra.Instance;

    [Fact]
    public void Infra_has_main_and_local_modules_only()
    {
        Assert.Contains("main.bicep", Infra.Sources);
        Assert.Contains(Infra.Sources, s => s.StartsWith("modules" + Path.DirectorySeparatorChar, StringComparison.Ordinal));

        // Azure Verified Modules (br/public:…) cannot be restored here, and local modules keep every resource reviewable.
        foreach (var source in Infra.Sources)
        {
            var text = File.ReadAllText(Path.Combine(BicepCli.InfraDirectory, source));
            Assert.DoesNotContain("'br/", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'br:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'ts/", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_bicep_file_builds_without_errors_or_warnings()
    {
        var run = Infra.BuildRun;
        output.WriteLine(run.StandardError);
        Assert.True(run.ExitCode == 0, $"bicep build failed ({run.ExitCode}):\n{run.StandardOutput}\n{run.StandardError}");
        AssertClean(run);
        foreach (var source in Infra.Sources)
        {
            var json = Path.Combine(Infra.OutputDirectory, Path.ChangeExtension(source, ".json"));
            Assert.True(File.Exists(json), $"bicep build wrote no ARM template for {source}.");
            Assert.NotNull(JsonNode.Parse(File.ReadAllText(json))?["resources"]);
        }
    }

    [Fact]
    public void Every_bicep_file_lints_clean()
    {
        var run = Infra.LintRun;
        output.WriteLine(run.StandardOutput + run.StandardError);
        Assert.True(run.ExitCode == 0, $"bicep lint failed ({run.ExitCode}):\n{run.StandardOutput}\n{run.StandardError}");
        AssertClean(run);
    }

    [Theory]
    [InlineData("secure-parameter-default")]
    [InlineData("outputs-should-not-contain-secrets")]
    [InlineData("no-hardcoded-env-urls")]
    [InlineData("use-secure-value-for-secure-inputs")]
    [InlineData("secure-secrets-in-params")]
    [InlineData("secure-params-in-nested-deploy")]
    [InlineData("protect-commandtoexecute-secrets")]
    [InlineData("adminusername-should-not-be-literal")]
    [InlineData("no-unused-params")]
    [InlineData("no-unused-vars")]
    [InlineData("use-resource-symbol-reference")]
    [InlineData("use-stable-resource-identifiers")]
    [InlineData("no-unnecessary-dependson")]
    [InlineData("simplify-interpolation")]
    [InlineData("prefer-interpolation")]
    public void Bicepconfig_makes_the_rules_that_matter_errors(string rule)
    {
        var config = CompiledInfra.LoadJson(Path.Combine(BicepCli.InfraDirectory, "bicepconfig.json"));
        Assert.Equal("error", config["analyzers"]?["core"]?["rules"]?[rule]?["level"]?.GetValue<string>());
    }

    private void AssertClean(BicepRun run)
    {
        foreach (var dateDependent in run.Diagnostics.Where(d => d.Code == DateDependentRule))
        {
            output.WriteLine("Tolerated (date-dependent): " + dateDependent.Text);
        }

        var problems = run.Diagnostics.Where(d => d.Code != DateDependentRule && d.Level is "Error" or "Warning").ToArray();
        Assert.True(problems.Length == 0, "Bicep diagnostics:\n" + string.Join('\n', problems.Select(p => p.Text)));
    }
}
