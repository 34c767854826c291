using CsCheck;
using Xunit.Abstractions;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>
/// How the interleaving properties run their cases: one at a time (the concurrency is inside a case), CsCheck generating
/// them, shrinking a failing one and printing it with its seed (<c>CsCheck_Seed=…</c> replays it).
/// </summary>
public static class InterleavingProperty
{
    /// <summary>Runs <paramref name="run"/> on <paramref name="iterations"/> cases; asserts that they all ran.</summary>
    public static async Task CheckAsync<T>(Gen<T> cases, int iterations, Func<T, Task> run, ITestOutputHelper output)
    {
        var ran = 0;
        await cases.SampleAsync(
            async c =>
            {
                Interlocked.Increment(ref ran);
                await run(c);
            },
            writeLine: output.WriteLine,
            iter: iterations,
            threads: 1,
            print: c => c!.ToString()!);
        Assert.True(ran >= iterations, $"{ran} cases ran");
    }
}
