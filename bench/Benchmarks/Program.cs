using FrontFunctions.Benchmarks;

// Usage: usage.txt beside this file (the one copy; `bash scripts/bench.sh help` prints it). The script starts Azurite and
// sets AzureWebJobsStorage.
var usage = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "usage.txt"));
if (args.ElementAtOrDefault(0) is "help" or "--help" or "-h")
{
    Console.Write(usage);
    return 0;
}

var storage = Environment.GetEnvironmentVariable("AzureWebJobsStorage")
    ?? throw new InvalidOperationException("AzureWebJobsStorage is not set: run the benchmarks through scripts/bench.sh.");
var which = args.ElementAtOrDefault(0) ?? "ingest";
int Arg(int index, int fallback) => int.TryParse(args.ElementAtOrDefault(index), out var v) ? v : fallback;

return which switch
{
    "ingest" => await IngestBenchmark.RunAsync(storage, Arg(1, 2000), Arg(2, 16), Arg(3, 3)),
    "calls" => await CallsBenchmark.RunAsync(storage, Arg(1, 200), Arg(2, 10), Arg(3, 8)),
    "drain" => await DrainBenchmark.RunAsync(storage, Arg(1, 450), Arg(2, 180), Arg(3, 60)),
    "budget" => await BudgetBenchmark.RunAsync(storage, Arg(1, 600), Arg(2, 180), Arg(3, 30), args.ElementAtOrDefault(4) ?? "shared"),
    "latency" => await LatencyBenchmark.RunAsync(storage, Arg(1, 300), Arg(2, 10), Arg(3, 16), Arg(4, 3000)),
    "imports" => await ImportStatusBenchmark.RunAsync(storage, Arg(1, 200), Arg(2, 10)),
    "faults" => await FaultLedgerRun.RunAsync(storage, new FaultLedgerRun.Plan(Arg(1, 2000), Arg(2, 20), Arg(3, 2), Arg(4, 10), Arg(5, 100), Environment.GetEnvironmentVariable("FAULTS_OUTPUT") ?? "bench-results")),
    "outbound" => await OutboundBenchmark.RunAsync(storage, Arg(1, 1000), Arg(2, 16), Arg(3, 3), Arg(4, 1000)),
    _ => throw new ArgumentException($"Unknown benchmark '{which}'. Usage:\n{usage}"),
};
