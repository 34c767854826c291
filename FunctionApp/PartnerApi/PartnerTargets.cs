using FrontFunctions.Channels;
using FrontFunctions.Front;
using FrontFunctions.Http;
using FrontFunctions.IdMap;

namespace FrontFunctions.PartnerApi;

/// <summary>
/// Resolves the partner's ids for every partner API call: the channel must not be deleted (410), the external id must be
/// mapped (404 naming it), and a conversation is always the surviving one (the id map follows merges). The channel row and
/// the map are read at once; the channel row is this instance's memory for <see cref="ChannelRegistry.RecentFor"/> (so a
/// conversation read is two table reads: the external id's row and the conversation's row). Storage failing is answered
/// 503 by the HTTP edge (<see cref="HttpEdge"/>).
/// </summary>
public sealed class PartnerTargets(IdMapStore map, ChannelRegistry channels)
{
    /// <summary>External ids are at most 200 characters (Front's InboundMessage schema), counted in Unicode code points.</summary>
    public const int MaxExternalIdLength = 200;

    public async Task<(MappedConversation? Conversation, HttpAnswer? Problem)> ConversationAsync(
        string channelId, string externalConversationId, CancellationToken cancellationToken)
    {
        if (Validate(channelId, externalConversationId, "external conversation id") is { } problem)
        {
            return (null, problem);
        }

        var (channel, conversation) = await BothAsync(
            channels.FindRecentAsync(channelId, cancellationToken),
            map.FindConversationByExternalIdAsync(channelId, externalConversationId, cancellationToken)).ConfigureAwait(false);
        if (channel?.Status == ChannelStatus.Deleted)
        {
            return (null, Gone(channelId));
        }

        return conversation is null
            ? (null, HttpAnswer.NotFound($"No conversation with external id \"{externalConversationId}\" is mapped in channel {channelId}."))
            : (conversation, null);
    }

    public async Task<(MappedMessage? Message, HttpAnswer? Problem)> MessageAsync(
        string channelId, string externalMessageId, CancellationToken cancellationToken)
    {
        if (Validate(channelId, externalMessageId, "external message id") is { } problem)
        {
            return (null, problem);
        }

        var (channel, message) = await BothAsync(
            channels.FindRecentAsync(channelId, cancellationToken),
            map.FindMessageByExternalIdAsync(channelId, externalMessageId, cancellationToken)).ConfigureAwait(false);
        if (channel?.Status == ChannelStatus.Deleted)
        {
            return (null, Gone(channelId));
        }

        if (message is null)
        {
            return (null, HttpAnswer.NotFound($"No message with external id \"{externalMessageId}\" is mapped in channel {channelId}."));
        }

        return FrontIds.IsResourceId(message.MessageId, "msg_")
            ? (message, null)
            : (null, HttpAnswer.Error(409, "conflict", $"Front has not given the message with external id \"{externalMessageId}\" a message id yet; retry later."));
    }

    /// <summary>The id as the route gave it: an encoded slash (<c>%2F</c>) stays encoded in a path segment (Kestrel), so it is decoded here.</summary>
    public static string FromPath(string segment) => segment.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    private static HttpAnswer Gone(string channelId) =>
        HttpAnswer.Error(410, "gone", $"Channel {channelId} was deleted in Front: its conversations and messages can no longer be reached through it.");

    private static HttpAnswer? Validate(string channelId, string externalId, string what)
    {
        if (!FrontIds.IsChannelId(channelId))
        {
            return HttpAnswer.BadRequest("The channel id in the path must be a Front channel id (\"cha_…\").");
        }

        var length = 0;
        foreach (var _ in externalId.EnumerateRunes())
        {
            length++;
        }

        return length is 0 or > MaxExternalIdLength
            ? HttpAnswer.BadRequest($"The {what} must be 1 to {MaxExternalIdLength} characters (Unicode code points), URL-encoded in the path ('/' as %2F).")
            : null;
    }

    /// <summary>Both reads at once; when one fails the other is still observed.</summary>
    private static async Task<(T1, T2)> BothAsync<T1, T2>(Task<T1> first, Task<T2> second)
    {
        await Task.WhenAll(first, second).ConfigureAwait(false);

        return (await first.ConfigureAwait(false), await second.ConfigureAwait(false));
    }
}
