using System.Diagnostics;

namespace FrontFunctions.Benchmarks;

/// <summary>Runs an operation a fixed number of times at a fixed concurrency and reports throughput and latency percentiles.</summary>
public static class LatencyRecorder
{
    public sealed record Result(string Name, int Count, int Concurrency, TimeSpan Elapsed, double[] LatenciesMs, int Failures)
    {
        public double RequestsPerSecond => Count / Elapsed.TotalSeconds;
        public double P50 => Percentile(0.50);
        public double P99 => Percentile(0.99);

        private double Percentile(double p)
        {
            var sorted = LatenciesMs.Order().ToArray();
            return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        }

        public override string ToString() =>
            $"{Name,-28} {Count,6} ops  concurrency {Concurrency,2}  {RequestsPerSecond,8:F0} ops/s  p50 {P50,7:F2} ms  p99 {P99,7:F2} ms  failures {Failures}";
    }

    public static async Task<Result> RunAsync(string name, int count, int concurrency, Func<int, Task<bool>> operation)
    {
        var latencies = new double[count];
        var next = -1;
        var failures = 0;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                if (!await operation(i))
                {
                    Interlocked.Increment(ref failures);
                }

                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        total.Stop();
        return new Result(name, count, concurrency, total.Elapsed, latencies, failures);
    }
}
