using FrontFunctions.Benchmarks;

// Usage: bash scripts/bench.sh ingest [count] [concurrency] [rounds]   (the script starts Azurite and sets AzureWebJobsStorage)
var storage = Environment.GetEnvironmentVariable("AzureWebJobsStorage")
    ?? throw new InvalidOperationException("AzureWebJobsStorage is not set: run the benchmarks through scripts/bench.sh.");
var which = args.ElementAtOrDefault(0) ?? "ingest";
int Arg(int index, int fallback) => int.TryParse(args.ElementAtOrDefault(index), out var v) ? v : fallback;

return which switch
{
    "ingest" => await IngestBenchmark.RunAsync(storage, Arg(1, 2000), Arg(2, 16), Arg(3, 3)),
    _ => throw new ArgumentException($"Unknown benchmark '{which}'. Known: ingest."),
};
