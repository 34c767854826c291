using FrontFunctions.Tests.Infrastructure;

namespace FrontFunctions.Tests.Unit.Architecture;

/// <summary>
/// The file-size rule (docs/architecture.md): no production C# file over 350 lines (FunctionApp, LocalHost, FrontSimulator),
/// no benchmark file over 500. A file that grows past its bound is a class doing more than one job: split it along its jobs.
/// </summary>
public sealed class FileSizeTests
{
    public const int ProductionLimit = 350;
    public const int BenchmarkLimit = 500;

    private static IEnumerable<(string File, int Lines)> CSharpFiles(string folder) =>
        Directory.EnumerateFiles(RepositoryRoot.File(folder), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Select(f => (Path.GetRelativePath(RepositoryRoot.Path, f), File.ReadAllText(f).ReplaceLineEndings("\n").TrimEnd('\n').Split('\n').Length));

    [Theory]
    [InlineData("FunctionApp")]
    [InlineData("LocalHost")]
    [InlineData("FrontSimulator")]
    public void No_production_file_is_over_350_lines(string project)
    {
        var files = CSharpFiles(project).ToList();
        var over = files.Where(f => f.Lines > ProductionLimit).Select(f => $"{f.File} ({f.Lines})").ToList();

        Assert.NotEmpty(files);
        Assert.True(over.Count == 0, $"Over {ProductionLimit} lines: " + string.Join(", ", over));
    }

    [Fact]
    public void No_benchmark_file_is_over_500_lines()
    {
        var files = CSharpFiles("bench").ToList();
        var over = files.Where(f => f.Lines > BenchmarkLimit).Select(f => $"{f.File} ({f.Lines})").ToList();

        Assert.NotEmpty(files);
        Assert.True(over.Count == 0, $"Over {BenchmarkLimit} lines: " + string.Join(", ", over));
    }
}
