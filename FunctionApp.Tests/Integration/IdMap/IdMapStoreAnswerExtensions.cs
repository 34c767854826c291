using FrontFunctions.IdMap;

namespace FrontFunctions.Tests.Integration.IdMap;

/// <summary>The answer path's id decision awaited to the end, for tests that look at the decision on its own.</summary>
internal static class IdMapStoreAnswerExtensions
{
    /// <summary>
    /// <see cref="IdMapStore.BeginExternalConversationIdAsync"/> with its <see cref="ExternalConversationAnswer.Recorded"/>
    /// awaited: the survivor and the external conversation id once the id's <c>xc|</c> row is written too (null: the write
    /// was refused by <paramref name="mayWrite"/>).
    /// </summary>
    public static async Task<(string ConversationId, string? ExternalConversationId)> EnsureExternalConversationIdAsync(
        this IdMapStore map, string channelId, string conversationId, Func<string, string> mint, Func<Task<bool>>? mayWrite = null,
        CancellationToken cancellationToken = default)
    {
        var answer = await map.BeginExternalConversationIdAsync(channelId, conversationId, mint, mayWrite, cancellationToken);
        await answer.Recorded;
        return (answer.ConversationId, answer.ExternalConversationId);
    }
}
