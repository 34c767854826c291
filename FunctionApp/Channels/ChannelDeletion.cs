using FrontFunctions.Front;
using Microsoft.Extensions.DependencyInjection;

namespace FrontFunctions.Channels;

/// <summary>What a signed <c>DELETE</c> of a channel did.</summary>
public enum ChannelDeletionOutcome
{
    /// <summary>Front no longer answers for the channel (401/403/404/410 to its token): marked deleted.</summary>
    Deleted,

    /// <summary>Front could not be asked (5xx, 429, no answer within <see cref="ChannelDeletion.FrontCheckLimit"/>): marked deleted anyway.</summary>
    DeletedUnconfirmed,

    /// <summary>Front still answers 2xx for the channel: nothing changed, the DELETE is refused.</summary>
    StillAlive,
}

/// <summary>
/// Marks a channel deleted only when Front agrees it is gone: one channel-token call (<c>GET /channels/{id}</c>, see
/// <see cref="FrontApiClient.ChannelAnswersAsync"/>) before the registry is changed. What Front answers a deleted channel's
/// token is not documented, so both are built for: a refusal (401/403/404/410) lets the delete proceed; a 2xx means the
/// channel is alive and the DELETE (a replay, or a mistake) changes nothing.
/// <para>
/// Front unavailable: the delete proceeds (<see cref="ChannelDeletionOutcome.DeletedUnconfirmed"/>, logged by the caller).
/// The signature claim (<see cref="ReplayGuard"/>) already lets one signature delete at most one channel, and whether Front
/// retries a DELETE it got an error for is not documented: refusing here could leave a channel Front removed shown active.
/// </para>
/// </summary>
/// <remarks>The typed Front client is resolved per call (it is transient; this class is shared by the singleton webhook handler).</remarks>
public sealed class ChannelDeletion(ChannelRegistry channels, IServiceProvider services)
{
    /// <summary>How long the Front check may take within the webhook's answer deadline.</summary>
    public static readonly TimeSpan FrontCheckLimit = TimeSpan.FromSeconds(2);

    /// <summary>Asks Front, then marks the channel deleted unless Front still answers for it. Storage failures propagate.</summary>
    public async Task<ChannelDeletionOutcome> DeleteAsync(string channelId, CancellationToken cancellationToken)
    {
        bool? alive;
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            limit.CancelAfter(FrontCheckLimit);
            try
            {
                alive = await services.GetRequiredService<FrontApiClient>().ChannelAnswersAsync(channelId, limit.Token).ConfigureAwait(false);
            }
            catch (FrontApiException)
            {
                alive = null;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                alive = null;
            }
        }

        if (alive == true)
        {
            return ChannelDeletionOutcome.StillAlive;
        }

        await channels.MarkDeletedAsync(channelId, cancellationToken).ConfigureAwait(false);
        return alive is null ? ChannelDeletionOutcome.DeletedUnconfirmed : ChannelDeletionOutcome.Deleted;
    }
}
