using FrontFunctions.Benchmarks;

// Usage (the script starts Azurite and sets AzureWebJobsStorage):
//   bash scripts/bench.sh ingest [count] [concurrency] [rounds]
//   bash scripts/bench.sh calls [conversations=200] [messages per conversation=10] [import concurrency=8]
//   bash scripts/bench.sh drain [messages=450] [window seconds=180] [warm-up seconds=60]
//   bash scripts/bench.sh latency [messages=300] [imports per second=10] [lookup concurrency=16] [lookup requests=3000]
var storage = Environment.GetEnvironmentVariable("AzureWebJobsStorage")
    ?? throw new InvalidOperationException("AzureWebJobsStorage is not set: run the benchmarks through scripts/bench.sh.");
var which = args.ElementAtOrDefault(0) ?? "ingest";
int Arg(int index, int fallback) => int.TryParse(args.ElementAtOrDefault(index), out var v) ? v : fallback;

return which switch
{
    "ingest" => await IngestBenchmark.RunAsync(storage, Arg(1, 2000), Arg(2, 16), Arg(3, 3)),
    "calls" => await CallsBenchmark.RunAsync(storage, Arg(1, 200), Arg(2, 10), Arg(3, 8)),
    "drain" => await DrainBenchmark.RunAsync(storage, Arg(1, 450), Arg(2, 180), Arg(3, 60)),
    "latency" => await LatencyBenchmark.RunAsync(storage, Arg(1, 300), Arg(2, 10), Arg(3, 16), Arg(4, 3000)),
    _ => throw new ArgumentException($"Unknown benchmark '{which}'. Known: ingest, calls, drain, latency."),
};
