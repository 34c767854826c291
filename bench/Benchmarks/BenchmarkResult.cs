using System.Globalization;
using System.Text.Json.Serialization;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// One goal of one benchmark as measured: the figure, its baseline measured in the same run (null for an absolute goal,
/// e.g. a share of Front's limit), their ratio, the goal and whether it was met. Every benchmark's <c>RunAsync</c> returns
/// its goals in a <see cref="BenchmarkResult"/>; <c>bench.sh all</c> assembles the table from them (no text is scraped).
/// </summary>
/// <param name="Name">What is measured, e.g. "webhook ingest throughput, 16 senders".</param>
/// <param name="Figure">The measured value, in <paramref name="Unit"/>.</param>
/// <param name="Baseline">The plain reference measured in the same run, in the same unit; null for an absolute goal.</param>
/// <param name="BaselineName">What the baseline is, e.g. "plain enqueue loop".</param>
/// <param name="Ratio">Figure / baseline (null without a baseline).</param>
/// <param name="Goal">The goal as text, e.g. "ratio ≥ 0.90" or "≤ 1000 ms".</param>
/// <param name="Met">Whether the goal was met (false also when the run was incomplete: failures, nothing measured).</param>
/// <param name="Detail">Anything the figure needs to be read right (counts, failures), or null.</param>
public sealed record GoalResult(
    string Name,
    double Figure,
    string Unit,
    double? Baseline,
    string? BaselineName,
    double? Ratio,
    string Goal,
    bool Met,
    string? Detail = null);

/// <summary>What one benchmark run returns: its goals, the arguments it ran with, and how loaded the machine was.</summary>
public sealed record BenchmarkResult(
    string Benchmark,
    string Arguments,
    DateTimeOffset StartedAt,
    double ElapsedSeconds,
    string? LoadAtStart,
    string? LoadAtEnd,
    IReadOnlyList<GoalResult> Goals,
    string? Error = null)
{
    [JsonIgnore]
    public bool AllMet => Error is null && Goals.Count > 0 && Goals.All(g => g.Met);
}

/// <summary>Collects a benchmark's goals, printing a GOAL line for each as it is measured.</summary>
public sealed class Goals
{
    private readonly List<GoalResult> _results = [];

    public IReadOnlyList<GoalResult> Results => _results;

    public bool AllMet => _results.Count > 0 && _results.All(r => r.Met);

    /// <summary>A goal on figure / baseline: <c>≥ bound</c> when <paramref name="atLeast"/>, else <c>≤ bound</c>.</summary>
    public bool Ratio(string name, double figure, double baseline, string unit, string baselineName, bool atLeast, double bound, bool complete = true, string? detail = null)
    {
        var ratio = baseline > 0 ? figure / baseline : double.NaN;
        var met = complete && !double.IsNaN(ratio) && (atLeast ? ratio >= bound : ratio <= bound);
        return Add(new GoalResult(name, figure, unit, baseline, baselineName, ratio, $"ratio {(atLeast ? "≥" : "≤")} {Goal.F(bound)}", met, detail));
    }

    /// <summary>An absolute goal: <c>figure ≥ bound</c> when <paramref name="atLeast"/>, else <c>figure ≤ bound</c>.</summary>
    public bool Absolute(string name, double figure, string unit, bool atLeast, double bound, bool complete = true, string? detail = null)
    {
        var met = complete && !double.IsNaN(figure) && (atLeast ? figure >= bound : figure <= bound);
        return Add(new GoalResult(name, figure, unit, null, null, null, $"{(atLeast ? "≥" : "≤")} {Goal.F(bound, bound == Math.Floor(bound) ? "F0" : "F2")} {unit}", met, detail));
    }

    public bool Add(GoalResult result)
    {
        _results.Add(result);
        var measured = $"{Goal.F(result.Figure)} {result.Unit}";
        if (result.Baseline is { } b)
        {
            measured += $" vs {Goal.F(b)} {result.Unit} ({result.BaselineName}) = {Goal.F(result.Ratio ?? double.NaN)}";
        }

        if (result.Detail is { } detail)
        {
            measured += $"; {detail}";
        }

        Console.WriteLine($"GOAL {result.Name}: {measured} (goal {result.Goal}) — {(result.Met ? "MET" : "NOT MET")}");
        return result.Met;
    }
}

public static class Goal
{
    public static string F(double value, string format = "F2") => value.ToString(format, CultureInfo.InvariantCulture);
}
