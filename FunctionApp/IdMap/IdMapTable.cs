using Azure.Data.Tables;
using FrontFunctions.Front;

namespace FrontFunctions.IdMap;

/// <summary>
/// The id map's table as its parts share it: the one <see cref="OptimisticTable"/> over <c>FrontIdMap</c>, point reads
/// that check the channel id (the partition key) first, conversation rows read with their full external-id list
/// (<see cref="ConversationIdList"/>), and the small helpers every part uses.
/// </summary>
internal sealed class IdMapTable(OptimisticTable rows, int maxColumnChars = ConversationIdList.MaxColumnChars)
{
    /// <summary>The table of <c>FrontIdMap</c> with its links: every <c>xc|</c>, <c>fm|</c> and <c>xm|</c> row written carries its <c>ml|</c> link.</summary>
    public static OptimisticTable Open(TableClient table) => new(table, LinkFor);

    /// <summary>
    /// The <c>ml|</c> link of a row that points at a conversation (<c>xc|</c>, <c>fm|</c>, <c>xm|</c>): written no later than
    /// the row (<see cref="OptimisticTable"/>'s companion), so a merge that marks the conversation and then reads its links
    /// finds every row written before the mark; a row written after it reads the mark and follows the merge.
    /// </summary>
    public static ITableEntity? LinkFor(ITableEntity row) =>
        row is IdMapEntity { ConversationId: { Length: > 0 } conversationId } entity && !IdMapKeys.IsFrontConversation(entity.RowKey)
            ? new LinkEntity { PartitionKey = entity.PartitionKey, RowKey = IdMapKeys.Link(conversationId, entity.RowKey), Target = entity.RowKey }
            : null;

    public ConversationIdList Lists { get; } = new(rows, maxColumnChars);

    /// <summary>How many merges are followed from one conversation at most (a longer chain or a cycle stops there).</summary>
    public const int MaxMergeHops = 16;

    public OptimisticTable Rows => rows;

    public Task<T?> GetAsync<T>(string channelId, string rowKey, CancellationToken cancellationToken) where T : class, ITableEntity, new()
    {
        ValidateChannel(channelId);
        return rows.GetAsync<T>(channelId, rowKey, cancellationToken);
    }

    /// <summary>The <c>fc|</c> row of exactly this conversation with its full list (no merge resolution), or null.</summary>
    public async Task<(ConversationEntity? Entity, ConversationRow? Row)> GetConversationAsync(string channelId, string conversationId, CancellationToken cancellationToken)
    {
        var entity = await GetAsync<ConversationEntity>(channelId, IdMapKeys.FrontConversation(conversationId), cancellationToken).ConfigureAwait(false);
        var row = await Lists.ToRowAsync(entity, cancellationToken).ConfigureAwait(false);
        return (entity, row is null ? null : row with { ConversationId = conversationId });
    }

    public static T New<T>(string channelId, string rowKey) where T : IdMapEntity, new() => new() { PartitionKey = channelId, RowKey = rowKey };

    public static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public static void ValidateChannel(string channelId)
    {
        if (!FrontIds.IsChannelId(channelId))
        {
            throw new ArgumentException("The channel id must be a Front channel id (cha_…); it is the id map's partition key.", nameof(channelId));
        }
    }
}
