using System.Text.RegularExpressions;

namespace FrontFunctions.Tests.Integration.Contract;

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
    public void The_benchmark_commands_in_the_docs_are_the_usage_text_bench_prints()
    {
        var usage = RepoFile("bench/Benchmarks/usage.txt");

        Assert.Contains(usage, CodeBlocks(RepoFile("docs/benchmarks.md")));
    }

    [Fact]
    public void The_benchmark_table_in_the_docs_has_the_rows_of_every_benchmark_bench_all_runs()
    {
        // bench/Benchmarks/all.txt is what `bash scripts/bench.sh all` runs; its table is pasted between the bench: markers.
        var plan = RepoFile("bench/Benchmarks/all.txt").Split('\n').Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(' ', 2)[0]).ToList();
        var usage = RepoFile("bench/Benchmarks/usage.txt");
        Assert.All(plan, name => Assert.Contains($"bash scripts/bench.sh {name} ", usage, StringComparison.Ordinal));
        var section = BenchSection().Match(RepoFile("docs/benchmarks.md"));
        Assert.True(section.Success, "docs/benchmarks.md has no <!-- bench:begin --> … <!-- bench:end --> section");
        var lines = section.Groups[1].Value.Split('\n').Where(l => l.StartsWith('|')).ToList();

        Assert.Equal("| Benchmark | Figure | Measured | Baseline (same run) | Ratio | Goal | Met |", lines.FirstOrDefault());
        var rows = lines.Skip(2).Select(l => UnescapedPipe().Split(l)).ToList();
        Assert.All(rows, cells => Assert.Equal(9, cells.Length));
        Assert.Equal(plan, rows.Select(cells => cells[1].Trim().Trim('`')).Distinct().ToList());
        Assert.All(rows, cells => Assert.Contains(cells[7].Trim(), new[] { "yes", "**no**", "no" }));
    }

    [Fact]
    public void The_first_code_block_shows_the_closing_line_the_test_command_prints()
    {
        var echo = EchoedSummary().Match(RepoFile("scripts/test.sh"));
        Assert.True(echo.Success, "scripts/test.sh no longer echoes \"$passed passed, …\"");
        var shape = new Regex(Regex.Replace(Regex.Escape(echo.Groups[1].Value), @"\\\$[a-z]+", @"\d+"));

        Assert.Matches(shape, CodeBlocks(RepoFile("README.md"))[0]);
    }

    [GeneratedRegex("<!-- bench:begin -->(.*?)<!-- bench:end -->", RegexOptions.Singleline)]
    private static partial Regex BenchSection();

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex UnescapedPipe();

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex("""echo "(\$passed passed[^"]*)"$""", RegexOptions.Multiline)]
    private static partial Regex EchoedSummary();
}
