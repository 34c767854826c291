using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace FrontFunctions.Infra.Tests.Infrastructure;

/// <summary>
/// Runs the Bicep CLI restored from NuGet (Azure.Bicep.CommandLine.linux-x64); the csproj passes its path and the
/// infra folder as assembly metadata, so no az CLI or global bicep install is needed.
/// </summary>
internal static partial class BicepCli
{
    public static string ExecutablePath { get; } = Metadata("BicepPath");

    public static string InfraDirectory { get; } = Metadata("InfraDirectory");

    public static BicepRun Run(string workingDirectory, params string[] arguments)
    {
        EnsureExecutable();
        var start = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Keep the CLI quiet and offline: no telemetry, no update checks.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ExecutablePath}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within 3 minutes.");
        }

        return new BicepRun(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    // NuGet extracts package files without the execute bit on some systems; the CLI is a single-file executable.
    private static void EnsureExecutable()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new FileNotFoundException(
                $"The Bicep CLI was not found at {ExecutablePath}: restore Infra.Tests (it references Azure.Bicep.CommandLine.linux-x64).",
                ExecutablePath);
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Infra.Tests uses the linux-x64 Bicep CLI package; run them on Linux x64.");
        }

        var mode = File.GetUnixFileMode(ExecutablePath);
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(ExecutablePath, mode | execute);
        }
    }

    private static string Metadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing: it is set in Infra.Tests.csproj.");
}

/// <summary>One CLI run, with the diagnostics it printed (<c>file(line,col) : Level code: message</c>).</summary>
internal sealed partial record BicepRun(int ExitCode, string StandardOutput, string StandardError)
{
    public IReadOnlyList<BicepDiagnostic> Diagnostics { get; } =
        DiagnosticLine().Matches(StandardOutput + "\n" + StandardError)
            .Select(m => new BicepDiagnostic(m.Groups["file"].Value, m.Groups["level"].Value, m.Groups["code"].Value, m.Value.Trim()))
            .ToArray();

    [GeneratedRegex(@"^(?<file>.+?)\(\d+,\d+\) : (?<level>Error|Warning|Info) (?<code>[\w-]+): .*$", RegexOptions.Multiline)]
    private static partial Regex DiagnosticLine();
}

internal sealed record BicepDiagnostic(string File, string Level, string Code, string Text);
