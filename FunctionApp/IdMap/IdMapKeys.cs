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

    public static bool IsFrontConversation(string rowKey) => rowKey.StartsWith(FrontConversationPrefix, StringComparison.Ordinal);

    public static bool IsExternalConversation(string rowKey) => rowKey.StartsWith(ExternalConversationPrefix, StringComparison.Ordinal);
}
