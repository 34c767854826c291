using Azure;
using Azure.Data.Tables;

namespace FrontFunctions.IdMap;

/// <summary>
/// A conversation's external-id list of any length. Azure refuses a string property over 64 KiB, so the list is kept in
/// columns of at most <see cref="MaxColumnChars"/> characters: the last ids on the <c>fc|</c> row itself
/// (<see cref="ConversationEntity.ExternalConversationIds"/>, the whole list for nearly every conversation: one read),
/// the first ones, once they no longer fit there, on <c>fi|</c> pages the row names in order
/// (<see cref="ConversationEntity.IdPages"/>), read with one range query by key. A page is written once, under a fresh
/// name, BEFORE the <c>fc|</c> row that names it (If-Match), and never changed: the row read and the pages it names are
/// one consistent list, and a row version that lost its race leaves only an unnamed page behind (deleted at once, and
/// ignored by every read). The <c>fc|</c> row stays the one version every rule of <see cref="MergeRules"/> is applied to.
/// Rows written before issue 22 have no pages: their column is the whole list, read as it always was.
/// </summary>
internal sealed class ConversationIdList(OptimisticTable rows, int maxColumnChars = ConversationIdList.MaxColumnChars)
{
    /// <summary>The longest JSON list one column holds (64 KiB is 32,768 UTF-16 characters).</summary>
    public const int MaxColumnChars = 30_000;

    /// <summary>The row's full list: its pages' ids, then its own.</summary>
    public async Task<List<string>> ReadAsync(ConversationEntity row, CancellationToken cancellationToken)
    {
        var pages = row.GetPages();
        if (pages.Count == 0)
        {
            return row.GetInlineIds();
        }

        var conversationId = row.ConversationId ?? "";
        var (from, to) = IdMapKeys.Range(IdMapKeys.IdsPagePrefix, conversationId);
        var found = new Dictionary<string, string?>(StringComparer.Ordinal);
        await foreach (var page in rows.Table.QueryAsync<IdsPageEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {row.PartitionKey} and RowKey ge {from} and RowKey lt {to}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            found[page.RowKey[from.Length..]] = page.Ids;
        }

        var ids = new List<string>();
        foreach (var name in pages)
        {
            if (!found.TryGetValue(name, out var json))
            {
                throw new InvalidOperationException($"Page {name} of conversation {conversationId}'s external ids is missing.");
            }

            ids.AddRange(IdMapJson.ReadList(json));
        }

        ids.AddRange(row.GetInlineIds());
        return ids;
    }

    /// <summary>The row as enrichment reads it, with its full list.</summary>
    public async Task<ConversationRow?> ToRowAsync(ConversationEntity? row, CancellationToken cancellationToken) =>
        row is null ? null : row.ToRow(await ReadAsync(row, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Sets <paramref name="row"/>'s list to <paramref name="ids"/>, whose first <paramref name="onPages"/> ids are those its
    /// pages hold (lists only grow; <see cref="OnPages"/> of the list read). What does not fit in its column goes to new pages, written now, before the caller writes the row; their names
    /// are added to <paramref name="written"/>, so the caller can delete those its row write did not commit.
    /// </summary>
    public async Task SetAsync(ConversationEntity row, int onPages, IReadOnlyList<string> ids, List<string> written, CancellationToken cancellationToken)
    {
        var pages = row.GetPages();
        var rest = ids.Skip(onPages).ToList();
        var json = IdMapJson.Write(rest);
        if (json.Length <= maxColumnChars)
        {
            row.ExternalConversationIds = json;
            return;
        }

        // Greedy chunks of at most maxColumnChars each; all but the last become pages, the last stays on the row.
        var chunks = new List<List<string>> { new() };
        var size = 2;
        foreach (var id in rest)
        {
            var cost = IdMapJson.Cost(id);
            if (cost + 2 > maxColumnChars)
            {
                throw new ArgumentException($"An external conversation id of {id.Length} characters is longer than the id map holds.", nameof(ids));
            }

            if (size + cost > maxColumnChars)
            {
                chunks.Add([]);
                size = 2;
            }

            chunks[^1].Add(id);
            size += cost;
        }

        var conversationId = row.ConversationId ?? "";
        foreach (var chunk in chunks.Take(chunks.Count - 1))
        {
            var name = Guid.NewGuid().ToString("N")[..12];
            await rows.Table.AddEntityAsync(
                new IdsPageEntity { PartitionKey = row.PartitionKey, RowKey = IdMapKeys.IdsPage(conversationId, name), Ids = IdMapJson.Write(chunk) },
                cancellationToken).ConfigureAwait(false);
            written.Add(name);
            pages.Add(name);
        }

        var names = IdMapJson.Write(pages);
        if (names.Length > MaxColumnChars)
        {
            throw new InvalidOperationException($"Conversation {conversationId} has more external ids than the id map holds ({pages.Count} pages).");
        }

        row.IdPages = names;
        row.ExternalConversationIds = IdMapJson.Write(chunks[^1]);
    }

    /// <summary>How many ids of <paramref name="full"/> (the list read from <paramref name="row"/>) its pages hold.</summary>
    public static int OnPages(ConversationEntity? row, IReadOnlyList<string> full) => row is null ? 0 : full.Count - row.GetInlineIds().Count;

    /// <summary>Deletes the pages written for row versions that were not committed (best effort: a read ignores them anyway).</summary>
    public async Task ForgetUncommittedAsync(string channelId, string conversationId, IEnumerable<string> written, IReadOnlyCollection<string> kept)
    {
        foreach (var name in written.Where(n => !kept.Contains(n, StringComparer.Ordinal)))
        {
            try
            {
                await rows.Table.DeleteEntityAsync(channelId, IdMapKeys.IdsPage(conversationId, name), ETag.All, CancellationToken.None).ConfigureAwait(false);
            }
            catch (RequestFailedException)
            {
                // Left behind: never named by the row, so never read.
            }
        }
    }
}
