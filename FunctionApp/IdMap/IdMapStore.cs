using Azure.Data.Tables;
using FrontFunctions.Storage;

namespace FrontFunctions.IdMap;

/// <summary>
/// The id map: external ids ↔ Front ids, in table <c>FrontIdMap</c> (key schema: <see cref="IdMapKeys"/>; rows:
/// <see cref="IdMapEntity"/>). The one entry point its callers use; each job is done by its own class, over one shared
/// <see cref="OptimisticTable"/> and one memory of settled conversations (<see cref="SettledConversations"/>):
/// <see cref="IdMapReader"/> (lookups and point reads), <see cref="ConversationWriter"/> (conversations' external ids and
/// merges, with <see cref="MergeMove"/>), <see cref="MessageWriter"/> (message rows) and <see cref="ExternalConversationIds"/>
/// (the external conversation id of a teammate's reply). Every write applies <see cref="MergeRules"/> one row at a time.
/// </summary>
public sealed class IdMapStore
{
    /// <inheritdoc cref="ExternalConversationIds.AnswerMemory"/>
    public static readonly TimeSpan AnswerMemory = ExternalConversationIds.AnswerMemory;

    private readonly IdMapReader _reader;
    private readonly MergeMove _moves;
    private readonly ConversationWriter _conversations;
    private readonly MessageWriter _messages;
    private readonly ExternalConversationIds _answers;

    /// <param name="metrics">Told of each message row added (the console's per-channel count); none in some tests.</param>
    public IdMapStore(TableServiceClient tables, TimeProvider time, Telemetry.FrontMetrics? metrics = null)
        : this(tables, time, ConversationIdList.MaxColumnChars, metrics)
    {
    }

    /// <summary>A store whose external-id lists spill onto pages past <paramref name="maxColumnChars"/> (tests make it tiny).</summary>
    internal IdMapStore(TableServiceClient tables, TimeProvider time, int maxColumnChars, Telemetry.FrontMetrics? metrics = null)
    {
        var table = new IdMapTable(IdMapTable.Open(tables.GetTableClient(StorageNames.IdMapTable)), maxColumnChars);
        var settled = new SettledConversations(time);
        var rows = new ConversationRows(table, time, settled);
        _reader = new IdMapReader(table, time);
        _moves = new MergeMove(table, _reader, rows);
        _conversations = new ConversationWriter(table, time, settled, rows, _moves);
        _messages = new MessageWriter(table, time, settled, rows, _moves, metrics);
        _answers = new ExternalConversationIds(table, time, settled, rows, _moves);
    }

    // ---------------------------------------------------------------- lookups (the lookup HTTP API): IdMapReader

    /// <summary>The message with this external id (<c>xm|</c>), its conversation resolved to the survivor; or null.</summary>
    public Task<MappedMessage?> FindMessageByExternalIdAsync(string channelId, string externalId, CancellationToken cancellationToken = default) =>
        _reader.FindMessageByExternalIdAsync(channelId, externalId, cancellationToken);

    /// <summary>The message with this Front id (<c>fm|</c>), its conversation resolved to the survivor; or null.</summary>
    public Task<MappedMessage?> FindMessageByFrontIdAsync(string channelId, string messageId, CancellationToken cancellationToken = default) =>
        _reader.FindMessageByFrontIdAsync(channelId, messageId, cancellationToken);

    /// <summary>The surviving conversation that carries this external conversation id, with all its ids; or null.</summary>
    public Task<MappedConversation?> FindConversationByExternalIdAsync(string channelId, string externalConversationId, CancellationToken cancellationToken = default) =>
        _reader.FindConversationByExternalIdAsync(channelId, externalConversationId, cancellationToken);

    /// <summary>The surviving conversation of this Front conversation, with all its external ids; or null.</summary>
    public Task<MappedConversation?> FindConversationByFrontIdAsync(string channelId, string conversationId, CancellationToken cancellationToken = default) =>
        _reader.FindConversationByFrontIdAsync(channelId, conversationId, cancellationToken);

    // ---------------------------------------------------------------- reads for enrichment

    /// <inheritdoc cref="IdMapReader.GetConversationRowAsync"/>
    public Task<ConversationRow?> GetConversationRowAsync(string channelId, string conversationId, CancellationToken cancellationToken = default) =>
        _reader.GetConversationRowAsync(channelId, conversationId, cancellationToken);

    /// <inheritdoc cref="MergeMove.ResolveAsync"/>
    public Task<(string ConversationId, ConversationRow? Row)> ResolveAsync(string channelId, string conversationId, CancellationToken cancellationToken = default) =>
        _moves.ResolveAsync(channelId, conversationId, cancellationToken);

    /// <inheritdoc cref="IdMapReader.GetMessageRowAsync"/>
    public Task<MessageRow?> GetMessageRowAsync(string channelId, string messageId, CancellationToken cancellationToken = default) =>
        _reader.GetMessageRowAsync(channelId, messageId, cancellationToken);

    // ---------------------------------------------------------------- conversations and merges: ConversationWriter

    /// <inheritdoc cref="ConversationWriter.RecordConversationAsync"/>
    public Task<ConversationUpdate> RecordConversationAsync(
        string channelId, string conversationId, IReadOnlyCollection<string> externalConversationIds, CancellationToken cancellationToken = default) =>
        _conversations.RecordConversationAsync(channelId, conversationId, externalConversationIds, cancellationToken);

    /// <inheritdoc cref="ConversationWriter.RecordMergeAsync"/>
    public Task RecordMergeAsync(string channelId, string mergedId, string survivorId, bool confirmedByFront, CancellationToken cancellationToken = default) =>
        _conversations.RecordMergeAsync(channelId, mergedId, survivorId, confirmedByFront, cancellationToken);

    // ---------------------------------------------------------------- messages: MessageWriter

    /// <inheritdoc cref="MessageWriter.RecordMessageAsync"/>
    public Task<MappedConversation> RecordMessageAsync(
        string channelId, string messageId, string conversationId, string? externalId, string? messageUid,
        bool conversationIsResolved = false, CancellationToken cancellationToken = default) =>
        _messages.RecordMessageAsync(channelId, messageId, conversationId, externalId, messageUid, conversationIsResolved, cancellationToken);

    /// <inheritdoc cref="MessageWriter.IsSettledHere"/>
    public bool IsSettledHere(string channelId, string conversationId, IReadOnlyCollection<string> externalConversationIds) =>
        _messages.IsSettledHere(channelId, conversationId, externalConversationIds);

    /// <inheritdoc cref="MessageWriter.TryRecordMessageInSettledConversationAsync"/>
    public Task<MappedConversation?> TryRecordMessageInSettledConversationAsync(
        string channelId, string messageId, string conversationId, IReadOnlyCollection<string> externalConversationIds,
        string? externalId, string? messageUid, CancellationToken cancellationToken = default) =>
        _messages.TryRecordMessageInSettledConversationAsync(channelId, messageId, conversationId, externalConversationIds, externalId, messageUid, cancellationToken);

    /// <inheritdoc cref="MessageWriter.RecordSentMessageAsync"/>
    public Task RecordSentMessageAsync(string channelId, string messageId, string survivor, string externalId, CancellationToken cancellationToken = default) =>
        _messages.RecordSentMessageAsync(channelId, messageId, survivor, externalId, cancellationToken);

    /// <inheritdoc cref="MessageWriter.RecordExternalOnlyMessageAsync"/>
    public Task RecordExternalOnlyMessageAsync(string channelId, string externalId, string conversationId, CancellationToken cancellationToken = default) =>
        _messages.RecordExternalOnlyMessageAsync(channelId, externalId, conversationId, cancellationToken);

    // ---------------------------------------------------------------- the answer path: ExternalConversationIds

    /// <inheritdoc cref="ExternalConversationIds.BeginAsync"/>
    public Task<ExternalConversationAnswer> BeginExternalConversationIdAsync(
        string channelId, string conversationId, Func<string, string> mint, Func<Task<bool>>? mayWrite = null, CancellationToken cancellationToken = default) =>
        _answers.BeginAsync(channelId, conversationId, mint, mayWrite, cancellationToken);
}
