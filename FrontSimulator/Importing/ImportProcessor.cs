using FrontSimulator.Control;
using FrontSimulator.Diagnostics;
using FrontSimulator.Model;
using FrontSimulator.Notifications;
using Microsoft.Extensions.Logging;

namespace FrontSimulator.Importing;

/// <summary>
/// Turns accepted imports into messages after the import delay (until then the message does not exist:
/// GET /messages/alt:uid:… answers 404), then hands the message to the notification dispatcher.
/// </summary>
internal sealed class ImportProcessor(
    SimulatorStore store,
    RuntimeSettings settings,
    NotificationDispatcher notifications,
    SimulatorLifetime lifetime,
    TimeProvider time,
    ILogger<ImportProcessor> logger)
{
    public void Accept(AcceptedImport import)
    {
        store.AddPendingImport(import.MessageUid, import.ChannelId, import.Draft.ExternalId);
        SimulatorLog.ImportAccepted(logger, import.MessageUid, import.ChannelId);
        var delay = TimeSpan.FromMilliseconds(settings.ImportDelayMs);
        var token = lifetime.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, time, token).ConfigureAwait(false);
                }

                token.ThrowIfCancellationRequested();
                var message = store.CreateMessage(import, time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
                SimulatorLog.MessageCreated(logger, message.Id, message.Uid, message.ConversationId);
                notifications.MessageImported(message);
            }
            catch (OperationCanceledException)
            {
                // reset or shutdown
            }
            catch (Exception ex)
            {
                SimulatorLog.BackgroundFailure(logger, ex, import.MessageUid);
            }
        }, CancellationToken.None);
    }
}
