using Azure;
using Azure.Data.Tables;
using FrontFunctions.Caching;
using FrontFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace FrontFunctions.Outbound;

/// <summary>One channel's partner that is failing, as the operator console shows it.</summary>
public sealed record PartnerFailing(
    string ChannelId,
    DateTimeOffset? FailingSince,
    DateTimeOffset? LastFailureAt,
    string? LastReason,
    int Waiting,
    DateTimeOffset? NextAttemptAt,
    int GivenUp);

/// <summary>
/// Whether each channel's partner is failing, one small row per channel (table <c>FrontChannels</c>, PartitionKey
/// <c>partner</c>, RowKey = channel id; the channel rows are in partition <c>channel</c>): written when a delivery fails and
/// is re-queued or given up, cleared by a success — never a scan of the queue. <c>Waiting</c> counts the replies re-queued
/// and not yet delivered or given up. Every update is read-modify-write with the row's ETag. A failure to update is only
/// logged: the state is for people, the delivery does not depend on it.
/// </summary>
public sealed class PartnerHealth(TableServiceClient tables, TimeProvider time, ILogger<PartnerHealth> logger)
{
    public const string Partition = "partner";

    /// <summary>How long a success trusts that this instance found no row (skips the read on a healthy partner's deliveries).</summary>
    private static readonly TimeSpan NoRowMemory = TimeSpan.FromSeconds(10);

    private readonly TableClient _table = tables.GetTableClient(StorageNames.ChannelsTable);
    // Safe across instances: "no row" is trusted for NoRowMemory (10 s) only; another instance's failure row shows after that
    // (and this instance's own failures forget the entry at once). 10k channels.
    private readonly BoundedMemory<string, bool> _noRow = new(time, 10_000, NoRowMemory);

    /// <summary>A delivery failed and was queued again for <paramref name="nextAttemptAt"/>; <paramref name="firstRequeue"/>: it starts waiting.</summary>
    public Task RetryingAsync(string channelId, string reason, DateTimeOffset nextAttemptAt, bool firstRequeue, CancellationToken cancellationToken)
    {
        _noRow.Remove(channelId);
        var now = time.GetUtcNow();
        return UpdateAsync(channelId, create: true, row =>
        {
            row["FailingSince"] = row.GetDateTimeOffset("FailingSince") ?? now;
            row["LastFailureAt"] = now;
            row["LastReason"] = Short(reason);
            row["Waiting"] = (row.GetInt32("Waiting") ?? 0) + (firstRequeue ? 1 : 0);
            var next = row.GetDateTimeOffset("NextAttemptAt");
            row["NextAttemptAt"] = next is { } n && n > now && n < nextAttemptAt ? n : nextAttemptAt;
            return true;
        }, cancellationToken);
    }

    /// <summary>A reply was given up (window over, or a permanent answer); <paramref name="wasWaiting"/>: it had been re-queued.</summary>
    public Task GaveUpAsync(string channelId, string reason, bool wasWaiting, bool partnerFailing, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return UpdateAsync(channelId, create: partnerFailing, row =>
        {
            if (partnerFailing)
            {
                row["FailingSince"] = row.GetDateTimeOffset("FailingSince") ?? now;
                row["LastFailureAt"] = now;
                row["LastReason"] = Short(reason);
            }

            row["Waiting"] = Math.Max(0, (row.GetInt32("Waiting") ?? 0) - (wasWaiting ? 1 : 0));
            row["GivenUp"] = (row.GetInt32("GivenUp") ?? 0) + 1;
            return true;
        }, cancellationToken);
    }

    /// <summary>A reply was delivered: the partner answers again. The row goes once nothing waits any more.</summary>
    public async Task DeliveredAsync(string channelId, bool wasWaiting, CancellationToken cancellationToken)
    {
        if (!wasWaiting && _noRow.TryGet(channelId, out _))
        {
            return;
        }

        await UpdateAsync(channelId, create: false, row =>
        {
            row["FailingSince"] = null;
            row["NextAttemptAt"] = null;
            row["Waiting"] = Math.Max(0, (row.GetInt32("Waiting") ?? 0) - (wasWaiting ? 1 : 0));
            return (row.GetInt32("Waiting") ?? 0) > 0; // false: delete the row
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The channels whose partner is failing or has replies waiting (one partition read, a row per such channel).</summary>
    public async Task<IReadOnlyList<PartnerFailing>> ListAsync(CancellationToken cancellationToken)
    {
        var list = new List<PartnerFailing>();
        await foreach (var row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var failing = new PartnerFailing(
                row.RowKey, row.GetDateTimeOffset("FailingSince"), row.GetDateTimeOffset("LastFailureAt"), row.GetString("LastReason"),
                row.GetInt32("Waiting") ?? 0, row.GetDateTimeOffset("NextAttemptAt"), row.GetInt32("GivenUp") ?? 0);
            if (failing.FailingSince is not null || failing.Waiting > 0)
            {
                list.Add(failing);
            }
        }

        return list;
    }

    /// <param name="change">Changes the row; returns false to delete it.</param>
    private async Task UpdateAsync(string channelId, bool create, Func<TableEntity, bool> change, CancellationToken cancellationToken)
    {
        try
        {
            for (var attempt = 0; attempt < 8; attempt++)
            {
                var found = await _table.GetEntityIfExistsAsync<TableEntity>(Partition, channelId, cancellationToken: cancellationToken).ConfigureAwait(false);
                var row = found.HasValue ? found.Value : null;
                if (row is null && !create)
                {
                    _noRow.Set(channelId, true);
                    return;
                }

                row ??= new TableEntity(Partition, channelId);
                var keep = change(row);
                try
                {
                    if (found.HasValue && !keep)
                    {
                        await _table.DeleteEntityAsync(Partition, channelId, row.ETag, cancellationToken).ConfigureAwait(false);
                    }
                    else if (found.HasValue)
                    {
                        await _table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                    }
                    else if (keep)
                    {
                        await _table.AddEntityAsync(row, cancellationToken).ConfigureAwait(false);
                    }

                    return;
                }
                catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
                {
                    // Another delivery changed the row meanwhile: read it again.
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            OutboundLog.HealthNotRecorded(logger, channelId, e.GetType().Name);
        }
    }

    private static string Short(string reason) => reason.Length > 300 ? reason[..300] : reason;
}
