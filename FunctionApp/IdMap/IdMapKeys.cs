namespace FrontFunctions.IdMap;

/// <summary>
/// The id map's key schema. PartitionKey = channel id (channels never see each other's rows; a channel's map is one
/// partition, ~2,000 writes/s, far above Front's rate limits). Every lookup is a point query (PartitionKey + RowKey). Row keys
/// carry a kind prefix and a <see cref="TableKeyEncoding"/>-encoded id:
/// <list type="table">
/// <item><term><c>xm|{external message id}</c></term><description><see cref="MessageEntity"/></description></item>
/// <item><term><c>fm|{Front message id}</c></term><description><see cref="MessageEntity"/> (ExternalId absent when unknown)</description></item>
/// <item><term><c>xc|{external conversation id}</c></term><description><see cref="ExternalConversationEntity"/></description></item>
/// <item><term><c>fc|{Front conversation id}</c></term><description><see cref="ConversationEntity"/></description></item>
/// <item><term><c>fi|{Front conversation id}|{page}</c></term><description><see cref="IdsPageEntity"/>: external ids
/// that no longer fit on the <c>fc|</c> row, written once, named by it (<see cref="ConversationIdList"/>)</description></item>
/// <item><term><c>ml|{Front conversation id}|{row key}</c></term><description><see cref="LinkEntity"/>: a row
/// (<c>xc|</c>, <c>fm|</c>, <c>xm|</c>) that pointed at the conversation, so a merge finds its rows by key (<see cref="MergeMove"/>)</description></item>
/// </list>
/// </summary>
public static class IdMapKeys
{
    public const string ExternalMessagePrefix = "xm|";
    public const string FrontMessagePrefix = "fm|";
    public const string ExternalConversationPrefix = "xc|";
    public const string FrontConversationPrefix = "fc|";

    public static string ExternalMessage(string externalId) => ExternalMessagePrefix + TableKeyEncoding.Encode(externalId);

    public static string FrontMessage(string messageId) => FrontMessagePrefix + TableKeyEncoding.Encode(messageId);

    public static string ExternalConversation(string externalConversationId) => ExternalConversationPrefix + TableKeyEncoding.Encode(externalConversationId);

    public static string FrontConversation(string conversationId) => FrontConversationPrefix + TableKeyEncoding.Encode(conversationId);

    public const string IdsPagePrefix = "fi|";
    public const string LinkPrefix = "ml|";

    /// <summary>The row keys a range query over one conversation's <c>fi|</c> or <c>ml|</c> rows starts at (inclusive) and ends before.</summary>
    public static (string From, string To) Range(string prefix, string conversationId)
    {
        var start = prefix + ConversationPart(conversationId) + "|";
        return (start, start[..^1] + "}"); // '}' follows '|'; '|' never occurs inside an encoded id
    }

    public static string IdsPage(string conversationId, string page) => Range(IdsPagePrefix, conversationId).From + page;

    /// <summary>
    /// The link from a conversation to a row pointing at it: the row's key itself when the whole key stays within
    /// <see cref="TableKeyEncoding.MaxEncodedLength"/> characters (keys may be 1 KiB), else a hash of it (the row's key is on the link).
    /// </summary>
    public static string Link(string conversationId, string rowKey)
    {
        var start = Range(LinkPrefix, conversationId).From;
        return start.Length + rowKey.Length <= TableKeyEncoding.MaxEncodedLength ? start + rowKey : start + TableKeyEncoding.Hash(rowKey);
    }

    private static string ConversationPart(string conversationId)
    {
        var encoded = TableKeyEncoding.Encode(conversationId);
        return encoded.Length <= 200 ? encoded : TableKeyEncoding.Hash(conversationId);
    }

    public static bool IsFrontConversation(string rowKey) => rowKey.StartsWith(FrontConversationPrefix, StringComparison.Ordinal);

    public static bool IsExternalConversation(string rowKey) => rowKey.StartsWith(ExternalConversationPrefix, StringComparison.Ordinal);
}
