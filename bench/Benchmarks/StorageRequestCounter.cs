using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// An Azure SDK pipeline policy that counts the storage requests of the clients it is added to, by operation (method,
/// table or queue, and for a table the row kind: <c>fc|</c>, <c>xm|</c>, …), with their total time and the 409/412 answers
/// (ETag conflicts: another writer got there first). Added to every client the app's DI builds (Microsoft.Extensions.Azure
/// global options), so the benchmark sees where enrichment's time goes without touching the app.
/// </summary>
public sealed class StorageRequestCounter : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<string, Stat> _stats = new(StringComparer.Ordinal);
    private long _first;
    private long _last;
    private int _inFlight;
    private int _maxInFlight;

    public sealed class Stat
    {
        public long Count;
        public long Conflicts;
        public long Ticks;
    }

    public long FirstRequest => Interlocked.Read(ref _first);
    public long LastRequest => Interlocked.Read(ref _last);
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public void Reset()
    {
        _stats.Clear();
        Interlocked.Exchange(ref _first, 0);
        Interlocked.Exchange(ref _last, 0);
        Interlocked.Exchange(ref _maxInFlight, 0);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: false).AsTask().GetAwaiter().GetResult();

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: true);

    private async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
    {
        var started = Stopwatch.GetTimestamp();
        Interlocked.CompareExchange(ref _first, started, 0);
        var now = Interlocked.Increment(ref _inFlight);
        int max;
        while (now > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max)
        {
        }

        try
        {
            if (async)
            {
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            }
            else
            {
                ProcessNext(message, pipeline);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            var ended = Stopwatch.GetTimestamp();
            Interlocked.Exchange(ref _last, ended);
            var stat = _stats.GetOrAdd(Operation(message.Request), _ => new Stat());
            Interlocked.Increment(ref stat.Count);
            Interlocked.Add(ref stat.Ticks, ended - started);
            if (message.HasResponse && message.Response.Status is 409 or 412)
            {
                Interlocked.Increment(ref stat.Conflicts);
            }
        }
    }

    /// <summary>"GET FrontIdMap fc|", "POST FrontIdMap", "DELETE queue front-ingest", …</summary>
    public static string Operation(Request request)
    {
        var path = Uri.UnescapeDataString(request.Uri.Path);
        var method = request.Method.Method;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = segments.Length > 1 ? segments[1] : path;
        var paren = resource.IndexOf('(', StringComparison.Ordinal);
        if (paren > 0)
        {
            // Table entity: Name(PartitionKey='…',RowKey='xm|…')
            var table = resource[..paren];
            var rowKey = resource.IndexOf("RowKey='", StringComparison.Ordinal) is var r and >= 0 ? resource[(r + 8)..] : "";
            var kind = rowKey.IndexOf('|', StringComparison.Ordinal) is var bar and > 0 ? rowKey[..(bar + 1)] : "";
            return $"{method} {table} {kind}".TrimEnd();
        }

        if (segments.Length > 2 && segments[2] == "messages")
        {
            return $"{method} queue {resource}/messages";
        }

        return $"{method} {resource}{(segments.Length > 2 ? "/" + string.Join('/', segments.Skip(2)) : "")}";
    }

    /// <summary>One line per operation: requests per message, mean time, conflicts; sorted by total time.</summary>
    public IEnumerable<string> Describe(int messages)
    {
        var total = _stats.Values.Sum(s => s.Ticks);
        foreach (var (op, s) in _stats.OrderByDescending(p => p.Value.Ticks))
        {
            var ms = TimeSpan.FromTicks(s.Ticks * TimeSpan.TicksPerSecond / Stopwatch.Frequency).TotalMilliseconds;
            yield return string.Create(CultureInfo.InvariantCulture,
                $"  {op,-40} {s.Count,7} requests ({(double)s.Count / messages,5:F2}/message)  mean {ms / Math.Max(1, s.Count),7:F2} ms  {100.0 * s.Ticks / Math.Max(1, total),5:F1} % of request time  409/412: {s.Conflicts}");
        }
    }

    public long Requests => _stats.Values.Sum(s => s.Count);

    /// <summary>Requests of one operation as <see cref="Operation"/> names it (0 when none).</summary>
    public long CountOf(string operation) => _stats.TryGetValue(operation, out var s) ? s.Count : 0;
    /// <summary>The requests of the operations <paramref name="operation"/> accepts (names as <see cref="Operation"/> gives them).</summary>
    public long CountWhere(Func<string, bool> operation) => _stats.Where(p => operation(p.Key)).Sum(p => p.Value.Count);
    public long Conflicts => _stats.Values.Sum(s => s.Conflicts);
}
