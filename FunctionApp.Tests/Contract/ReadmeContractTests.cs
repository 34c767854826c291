using System.Text.RegularExpressions;

namespace FrontFunctions.Tests.Contract;

/// <summary>What README.md quotes from the repository is the repository's own text, not a copy that can drift.</summary>
public partial class ReadmeContractTests
{
    private static string RepoFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FrontFunctions.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return File.ReadAllText(Path.Combine(dir!.FullName, relative)).ReplaceLineEndings("\n");
    }

    private static List<string> CodeBlocks(string markdown) =>
        CodeBlock().Matches(markdown).Select(m => m.Groups[1].Value).ToList();

    [Fact]
    public void The_sample_settings_the_run_command_copies_name_each_setting_once()
    {
        // run-local.sh copies local.settings.sample.json to local.settings.json, and the local host refuses a settings file
        // that names a setting twice (it did once: the run command then stopped at start-up).
        var options = new System.Text.Json.JsonDocumentOptions { AllowDuplicateProperties = false };
        using var sample = System.Text.Json.JsonDocument.Parse(RepoFile("local.settings.sample.json"), options);

        Assert.Equal(System.Text.Json.JsonValueKind.Object, sample.RootElement.GetProperty("Values").ValueKind);
    }

    [Fact]
    public void The_benchmark_commands_in_the_readme_are_the_usage_text_bench_prints()
    {
        var usage = RepoFile("bench/Benchmarks/usage.txt");

        Assert.Contains(usage, CodeBlocks(RepoFile("README.md")));
    }

    [Fact]
    public void The_first_code_block_shows_the_closing_line_the_test_command_prints()
    {
        var echo = EchoedSummary().Match(RepoFile("scripts/test.sh"));
        Assert.True(echo.Success, "scripts/test.sh no longer echoes \"$passed passed, …\"");
        var shape = new Regex(Regex.Replace(Regex.Escape(echo.Groups[1].Value), @"\\\$[a-z]+", @"\d+"));

        Assert.Matches(shape, CodeBlocks(RepoFile("README.md"))[0]);
    }

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex("""echo "(\$passed passed[^"]*)"$""", RegexOptions.Multiline)]
    private static partial Regex EchoedSummary();
}
