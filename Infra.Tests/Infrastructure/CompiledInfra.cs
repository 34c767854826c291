using System.Text.Json.Nodes;

namespace FrontFunctions.Infra.Tests.Infrastructure;

/// <summary>
/// Every .bicep file under infra/ built and linted once per test run (two CLI runs with --pattern), and the ARM JSON
/// of main.bicep parsed for the template tests.
/// </summary>
internal sealed class CompiledInfra
{
    private static readonly Lazy<CompiledInfra> Shared = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private CompiledInfra(string[] sources, string outputDirectory, BicepRun build, BicepRun lint)
    {
        Sources = sources;
        OutputDirectory = outputDirectory;
        BuildRun = build;
        LintRun = lint;
    }

    public static CompiledInfra Instance => Shared.Value;

    /// <summary>Paths of the .bicep files, relative to infra/.</summary>
    public string[] Sources { get; }

    public string OutputDirectory { get; }

    public BicepRun BuildRun { get; }

    public BicepRun LintRun { get; }

    public JsonObject MainTemplate
    {
        get
        {
            var path = Path.Combine(OutputDirectory, "main.json");
            return File.Exists(path)
                ? LoadJson(path)
                : throw new InvalidOperationException($"main.bicep did not compile, so its template cannot be checked:\n{BuildRun.StandardError}");
        }
    }

    public static JsonObject LoadJson(string path) =>
        JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidOperationException($"{path} is not a JSON object.");

    private static CompiledInfra Build()
    {
        var infra = BicepCli.InfraDirectory;
        var sources = Directory.GetFiles(infra, "*.bicep", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(infra, f))
            .Order(StringComparer.Ordinal)
            .ToArray();
        var output = Path.Combine(Path.GetTempPath(), "front-infra-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(output);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(output, recursive: true);
        var build = BicepCli.Run(infra, "build", "--pattern", "**/*.bicep", "--outdir", output);
        var lint = BicepCli.Run(infra, "lint", "--pattern", "**/*.bicep");
        return new CompiledInfra(sources, output, build, lint);
    }
}
