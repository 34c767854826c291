using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Storage;

/// <summary>
/// Creates the app's queues, tables and container when the host starts, before the hosted services registered after it (the
/// queue sampler, the local host's queue listener) and before the first request: the app never creates storage in a write
/// path. The local host always runs it (Azurite starts empty); the Functions worker only with
/// <c>Storage__CreateAtStartup=true</c> (<c>func host start</c> against Azurite), never in Azure, where the Bicep template
/// creates the same names. Storage that cannot be reached at start-up is logged and the host starts anyway: requests
/// answer 503 as in any storage outage, and a restart once storage is back creates what is missing.
/// </summary>
internal sealed class StorageAtStartup(StorageInitializer storage, ILogger<StorageAtStartup> logger) : IHostedService
{
    /// <summary>Long enough for the clients' own retries (about 7 s against a storage that accepts and never answers).</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(Bound);
        try
        {
            await storage.EnsureCreatedAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            StorageLog.NotCreated(logger, e.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
