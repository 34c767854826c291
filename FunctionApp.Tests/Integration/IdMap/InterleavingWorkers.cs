using CsCheck;
using FrontFunctions.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FrontFunctions.Tests.Integration.IdMap;

/// <summary>
/// What the id map's interleaving properties share: up to <see cref="Count"/> app instances, each its own service container
/// (as separate instances would be) with the conversation cache off (each still shares its in-flight calls), answering
/// Front from the case's model; and the CsCheck run, which generates the cases, shrinks a failing one and prints it with
/// its seed.
/// </summary>
internal sealed class InterleavingWorkers : IAsyncDisposable
{
    public const int Count = 4;

    private readonly FrontTestHost[] _hosts = [.. Enumerable.Range(0, Count).Select(_ => FrontTestHost.Create(settings: new Dictionary<string, string?>
    {
        ["Enrichment:ConversationCacheTtl"] = "00:00:00",
    }))];

    public FrontTestHost this[int worker] => _hosts[worker];

    /// <summary>Every instance's Front calls are answered by <paramref name="answer"/> (given the request path).</summary>
    public void AnswerFrontWith(Func<string, HttpResponseMessage> answer)
    {
        foreach (var host in _hosts)
        {
            host.Front.Respond = request => Task.FromResult(answer(request.RequestUri!.AbsolutePath));
        }
    }

    /// <inheritdoc cref="InterleavingProperty.CheckAsync{T}"/>
    public static Task CheckAsync<T>(Gen<T> cases, int iterations, Func<T, Task> run, ITestOutputHelper output) =>
        InterleavingProperty.CheckAsync(cases, iterations, run, output);

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }
}
