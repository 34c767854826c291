using FrontFunctions.Storage;

namespace FrontFunctions.LocalHost;

/// <summary>
/// Creates the app's queues, tables and container when the local host starts (Azurite starts empty; in Azure the Bicep
/// template creates them), before the queue listener and the first request: the app itself never creates storage in a
/// write path. Storage that cannot be reached at start-up is reported and the host starts anyway: every request then
/// answers 503 as in any storage outage, and a restart once storage is back creates what is missing.
/// </summary>
internal sealed partial class StorageAtStartup(StorageInitializer storage, ILogger<StorageAtStartup> logger) : IHostedService
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
            StorageNotCreated(logger, e.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 9001, EventName = "StorageNotCreated", Level = LogLevel.Warning,
        Message = "Could not create the app's queues and tables at start-up ({ErrorType}); requests answer 503 until storage is reachable, then restart the host.")]
    private static partial void StorageNotCreated(ILogger logger, string errorType);
}
