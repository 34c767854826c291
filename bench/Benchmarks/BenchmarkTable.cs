using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Assembles the one table of <c>bash scripts/bench.sh all</c> from the <see cref="BenchmarkResult"/> JSON files the
/// benchmarks wrote: <c>latest.md</c> and <c>latest.json</c> in the output folder (bench-results/), and the same Markdown in
/// docs/benchmarks.md between <see cref="Begin"/> and <see cref="End"/>.
/// </summary>
public static class BenchmarkTable
{
    public const string Begin = "<!-- bench:begin -->";
    public const string End = "<!-- bench:end -->";

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The 1, 5 and 15 minute load averages (Linux), or null.</summary>
    public static string? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static int Write(string resultsDir, string outDir, string? readme)
    {
        var results = Directory.GetFiles(resultsDir, "*.json").Order(StringComparer.Ordinal)
            .Select(f => JsonSerializer.Deserialize<BenchmarkResult>(File.ReadAllText(f), Json)!)
            .ToList();
        var machine = new
        {
            cores = Environment.ProcessorCount,
            os = RuntimeInformation.OSDescription,
            dotnet = RuntimeInformation.FrameworkDescription,
            date = (results.FirstOrDefault()?.StartedAt ?? DateTimeOffset.UtcNow).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            load_at_start = results.FirstOrDefault()?.LoadAtStart,
            load_at_end = results.LastOrDefault()?.LoadAtEnd,
            total_minutes = Math.Round(results.Sum(r => r.ElapsedSeconds) / 60, 1),
        };
        var goals = results.SelectMany(r => r.Goals).ToList();
        var met = goals.Count(g => g.Met);

        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"`bash scripts/bench.sh all` on {machine.date}: {machine.cores} cores, {machine.os}, {machine.dotnet}; ")
          .Append(CultureInfo.InvariantCulture, $"load average (1/5/15 min) {machine.load_at_start ?? "n/a"} at the start, {machine.load_at_end ?? "n/a"} at the end; ")
          .Append(CultureInfo.InvariantCulture, $"{machine.total_minutes} min of benchmarks. {met} of {goals.Count} goals met")
          .Append(results.Any(r => r.Error is not null) ? $", {results.Count(r => r.Error is not null)} benchmark(s) failed to run.\n\n" : ".\n\n");
        md.Append("| Benchmark | Figure | Measured | Baseline (same run) | Ratio | Goal | Met |\n");
        md.Append("|---|---|---|---|---|---|---|\n");
        foreach (var result in results)
        {
            if (result.Error is not null || result.Goals.Count == 0)
            {
                md.Append(CultureInfo.InvariantCulture, $"| `{result.Benchmark}` | did not complete: {Cell(result.Error ?? "no goal measured")} |  |  |  |  | no |\n");
            }

            foreach (var g in result.Goals)
            {
                var baseline = g.Baseline is { } b ? $"{Number(b)} {g.Unit} ({g.BaselineName})" : "—";
                var ratio = g.Ratio is { } r && !double.IsNaN(r) ? r.ToString("F2", CultureInfo.InvariantCulture) : "—";
                md.Append(CultureInfo.InvariantCulture,
                    $"| `{result.Benchmark}` | {Cell(g.Name)} | {Number(g.Figure)} {g.Unit} | {Cell(baseline)} | {ratio} | {Cell(g.Goal)} | {(g.Met ? "yes" : "**no**")} |\n");
            }
        }

        var unmet = results.SelectMany(r => r.Goals.Where(g => !g.Met && !string.IsNullOrEmpty(g.Detail)).Select(g => (r.Benchmark, g))).ToList();
        if (unmet.Count > 0)
        {
            md.Append("\nWhat the run measured beside each goal not met:\n\n");
            foreach (var (benchmark, g) in unmet)
            {
                md.Append(CultureInfo.InvariantCulture, $"- `{benchmark}`, {g.Name}: {g.Detail!.Replace("\n", " ", StringComparison.Ordinal)}\n");
            }
        }

        md.Append("\nArguments: ").Append(string.Join("; ", results.Select(r => $"`{r.Benchmark} {r.Arguments}`".Replace(" `", "`", StringComparison.Ordinal)))).Append('\n');
        var markdown = md.ToString();

        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "latest.md"), markdown);
        File.WriteAllText(Path.Combine(outDir, "latest.json"), JsonSerializer.Serialize(new { machine, goals_met = met, goals_total = goals.Count, benchmarks = results }, Json) + "\n");
        Console.WriteLine();
        Console.Write(markdown);
        Console.WriteLine($"\nwritten: {Path.Combine(outDir, "latest.md")}, {Path.Combine(outDir, "latest.json")}");

        if (readme is not null && File.Exists(readme))
        {
            var text = File.ReadAllText(readme);
            var begin = text.IndexOf(Begin, StringComparison.Ordinal);
            var end = text.IndexOf(End, StringComparison.Ordinal);
            if (begin >= 0 && end > begin)
            {
                File.WriteAllText(readme, text[..(begin + Begin.Length)] + "\n" + markdown + text[end..]);
                Console.WriteLine($"and pasted into {readme} (between {Begin} and {End})");
            }
        }

        return goals.Count > 0 && met == goals.Count && results.All(r => r.Error is null) ? 0 : 1;
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Number(double value) => double.IsNaN(value)
        ? "n/a"
        : value.ToString(Math.Abs(value) >= 100 ? "F0" : Math.Abs(value) >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);
}
