using System.Diagnostics;
using System.Text.Json;
using FrontFunctions.Benchmarks;

// Usage: usage.txt beside this file (the one copy; `bash scripts/bench.sh help` prints it). The script starts Azurite and
// sets AzureWebJobsStorage. `bash scripts/bench.sh all` runs each benchmark of all.txt with its own Azurite, each writing
// its BenchmarkResult as JSON (--result <file>), then `report <dir> <out dir> <docs/benchmarks.md>` assembles the one table.
var usage = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "usage.txt"));
if (args.ElementAtOrDefault(0) is "help" or "--help" or "-h")
{
    Console.Write(usage);
    return 0;
}

if (args.ElementAtOrDefault(0) == "report")
{
    return BenchmarkTable.Write(args[1], args[2], args.ElementAtOrDefault(3));
}

var resultFile = args.SkipWhile(a => a != "--result").Skip(1).FirstOrDefault();
args = [.. args.TakeWhile(a => a != "--result")];
var storage = Environment.GetEnvironmentVariable("AzureWebJobsStorage")
    ?? throw new InvalidOperationException("AzureWebJobsStorage is not set: run the benchmarks through scripts/bench.sh.");
var which = args.ElementAtOrDefault(0) ?? "ingest";
int Arg(int index, int fallback) => int.TryParse(args.ElementAtOrDefault(index), out var v) ? v : fallback;
static int EnvInt(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : fallback;
int[] Args(int index, int[] fallback) => args.ElementAtOrDefault(index) is { Length: > 0 } list
    ? [.. list.Split(',').Select(int.Parse)]
    : fallback;

var started = DateTimeOffset.UtcNow;
var loadAtStart = BenchmarkTable.LoadAverage();
var clock = Stopwatch.StartNew();
IReadOnlyList<GoalResult> goals = [];
string? error = null;
try
{
    goals = which switch
    {
        "ingest" => await IngestBenchmark.RunAsync(storage, Arg(1, 2000), Args(2, [16, 64]), Arg(3, 3)),
        "calls" => await CallsBenchmark.RunAsync(storage, Arg(1, 200), Arg(2, 10), Arg(3, 8)),
        "drain" => await DrainBenchmark.RunAsync(storage, Arg(1, 450), Arg(2, 180), Arg(3, 60)),
        "budget-companies" => await CompanyBudgetBenchmark.RunAsync(storage, Arg(1, 60), Arg(2, 15), Arg(3, 20)),
        "budget" => await BudgetBenchmark.RunAsync(storage, Arg(1, 600), Arg(2, 180), Arg(3, 30), args.ElementAtOrDefault(4) ?? "shared"),
        "latency" => await LatencyBenchmark.RunAsync(storage, Arg(1, 300), Arg(2, 10), Arg(3, 16), Arg(4, 3000), Arg(5, 30)),
        "imports" => await ImportStatusBenchmark.RunAsync(storage, Arg(1, 200), Arg(2, 10)),
        "outbound" => await OutboundBenchmark.RunAsync(storage, Arg(1, 1000), Arg(2, 16), Arg(3, 3), Arg(4, 1000), Arg(5, 20)),
        "console" => await ConsoleBenchmark.RunAsync(storage, Arg(1, 1000), Arg(2, 100_000), Arg(3, 20)),
        "enrich" => await EnrichBenchmark.RunAsync(storage, Arg(1, 2000), Arg(2, 2)),
        "replies" => await ReplyLatencyBenchmark.RunAsync(storage, Arg(1, 300), Arg(2, 10), Arg(3, 10)),
        "storage" => await StorageCallsBenchmark.RunAsync(storage, Arg(1, 500), Arg(2, 200)),
        "soak" => await SoakRun.RunAsync(storage, Arg(1, EnvInt("SOAK_NOTIFICATIONS", 100_000)), Arg(2, EnvInt("SOAK_REPLIES", 5_000)),
            Arg(3, EnvInt("SOAK_MINUTES", 30)), Environment.GetEnvironmentVariable("SOAK_OUTPUT") ?? "bench-results"),
        "merge" => await MergeBenchmark.RunAsync(storage, Arg(1, 1000), Arg(2, 100_000), Arg(3, 20)),
        "attachments" => await AttachmentBenchmark.RunAsync(storage, Arg(1, 20), Arg(2, 5)),
        "partner" => await PartnerApiBenchmark.RunAsync(storage, Arg(1, 50), Arg(2, 16), Arg(3, 2000), Arg(4, 3), Arg(5, 100), Arg(6, 1000)),
        "faults" => LedgerGoal(await FaultLedgerRun.RunAsync(storage, new FaultLedgerRun.Plan(
            Arg(1, 2000), Arg(2, 20), Arg(3, 2), Arg(4, 10), Arg(5, 100), Environment.GetEnvironmentVariable("FAULTS_OUTPUT") ?? "bench-results"))),
        _ => throw new ArgumentException($"Unknown benchmark '{which}'. Usage:\n{usage}"),
    };
}
catch (Exception e) when (resultFile is not null && e is not ArgumentException)
{
    // In `all`, one benchmark failing is a row of the table, not the end of the run.
    error = $"{e.GetType().Name}: {e.Message.Split('\n')[0]}";
    Console.Error.WriteLine(e);
}

var result = new BenchmarkResult(which, string.Join(' ', args.Skip(1)), started, clock.Elapsed.TotalSeconds, loadAtStart, BenchmarkTable.LoadAverage(), goals, error);
if (resultFile is not null)
{
    await File.WriteAllTextAsync(resultFile, JsonSerializer.Serialize(result, BenchmarkTable.Json));
}

return result.AllMet ? 0 : 1;

// The fault ledger is a pass/fail run (its ledger JSON holds the counts): one goal, met when every count added up.
static IReadOnlyList<GoalResult> LedgerGoal(int exitCode) =>
    [new GoalResult("fault ledger: sent == mapped + poisoned, 0 lost, 0 duplicates, lookups agree", exitCode == 0 ? 1 : 0, "pass", null, null, null, "pass", exitCode == 0)];
