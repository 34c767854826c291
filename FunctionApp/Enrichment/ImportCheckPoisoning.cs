using FrontFunctions.Storage;
using Microsoft.Extensions.Logging;
using FrontFunctions.Failures;

namespace FrontFunctions.Enrichment;

/// <summary>
/// The last attempt of an overdue import check (<c>CheckOverdueImport</c>): a check still failing at
/// <c>maxDequeueCount</c> gets a failure row with its reason (RowKey <c>import-check:{message_uid}</c>, so the console lists
/// and re-queues it) and is moved to <c>front-import-checks-poison</c> here, never expiring — instead of being moved by the
/// Functions host with no row and the default 7-day time-to-live (<see cref="FailedPayloads"/>). Earlier attempts rethrow
/// so the queue retries.
/// </summary>
public sealed class ImportCheckPoisoning(DeliveryFailures failures, FailedPayloads poison, ILogger<ImportCheckPoisoning> logger)
{
    public const string FailureKeyPrefix = Failures.FailureKeys.ImportCheckPrefix;

    public async Task RunAsync(string text, long dequeueCount, int maxDequeueCount, Func<Task> check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            await check().ConfigureAwait(false);
        }
        catch (Exception e) when (dequeueCount >= maxDequeueCount && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            if (await TryPoisonAsync(text, e, dequeueCount, cancellationToken).ConfigureAwait(false))
            {
                return; // recorded and poisoned here; the host deletes the original
            }

            throw;
        }
    }

    private async Task<bool> TryPoisonAsync(string text, Exception e, long dequeueCount, CancellationToken cancellationToken)
    {
        var (channelId, messageUid) = FailureKeys.ImportCheckIds(text);
        var firstLine = e.Message.Split('\n', 2)[0].Trim();
        var reason = $"The overdue import check failed {dequeueCount} times: {e.GetType().Name}: {(firstLine.Length > 500 ? firstLine[..500] : firstLine)}";
        try
        {
            await failures.RecordAsync(channelId, messageUid is null ? null : FailureKeyPrefix + messageUid, null, reason, dequeueCount, text, permanent: false, cancellationToken).ConfigureAwait(false);
            await poison.SendToPoisonAsync(StorageNames.ImportCheckPoisonQueue, text, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            EnrichmentLog.FailureNotRecorded(logger, channelId ?? "(unknown)", messageUid ?? "(unknown)", failure.GetType().Name);
            return false;
        }
    }
}
