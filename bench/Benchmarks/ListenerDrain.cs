using System.Diagnostics;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Drains a queue as the WebJobs queue listener dispatches it: receive up to <c>batchSize</c>, run each message at once,
/// receive again when no more than <c>threshold</c> are in flight. The baseline loops of <c>enrich</c> and <c>outbound</c>.
/// </summary>
public static class ListenerDrain
{
    /// <summary>What a drain did: messages handled, messages whose handler failed (<paramref name="isFailure"/>), time taken.</summary>
    public readonly record struct Result(int Done, int Failures, TimeSpan Elapsed)
    {
        public double PerSecond => Done / Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Runs until <paramref name="count"/> messages were handled or failed, or 5 minutes passed. A handler exception that
    /// <paramref name="isFailure"/> accepts counts as a failure; any other is thrown.
    /// </summary>
    public static async Task<Result> RunAsync(QueueClient queue, int count, int batchSize, int threshold, Func<QueueMessage, Task> handle,
        Func<Exception, bool>? isFailure = null)
    {
        var inFlight = 0;
        var done = 0;
        var failures = 0;
        using var completed = new SemaphoreSlim(0);
        var tasks = new List<Task>();
        var clock = Stopwatch.StartNew();
        while (Volatile.Read(ref done) + Volatile.Read(ref failures) < count && clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            while (Volatile.Read(ref inFlight) > threshold)
            {
                await completed.WaitAsync();
            }

            var batch = (await queue.ReceiveMessagesAsync(batchSize, TimeSpan.FromMinutes(5))).Value;
            if (batch.Length == 0)
            {
                if (Volatile.Read(ref inFlight) > 0)
                {
                    await completed.WaitAsync(TimeSpan.FromMilliseconds(50));
                }

                continue;
            }

            foreach (var message in batch)
            {
                Interlocked.Increment(ref inFlight);
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        await handle(message);
                        Interlocked.Increment(ref done);
                    }
                    catch (Exception e) when (isFailure?.Invoke(e) == true)
                    {
                        Interlocked.Increment(ref failures);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref inFlight);
                        completed.Release();
                    }
                }));
            }
        }

        await Task.WhenAll(tasks);
        return new Result(Volatile.Read(ref done), Volatile.Read(ref failures), clock.Elapsed);
    }
}
