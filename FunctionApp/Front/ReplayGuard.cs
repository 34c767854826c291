using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using FrontFunctions.Storage;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Front;

/// <summary>
/// Remembers which Front signatures were already accepted, shared by every instance (table <c>FrontSeenSignatures</c>), so a
/// captured request replayed within the signature tolerance changes nothing. Front's signature covers the timestamp and the
/// body, not the URL (dev.frontapp.com "Security"): an empty DELETE is signed as <c>undefined</c>, so without this one captured
/// DELETE would verify at every channel URL.
/// <para>
/// A claim is insert-first: PartitionKey = the first two hex digits of SHA-256(signature), RowKey = the whole hash (the
/// signature itself is never stored). An insert that meets 409 is a second use of the signature: allowed when the row names
/// the same <em>claimant</em> (the same request again: Front's retry of a request whose answer was lost, a queue redelivery
/// of the same item), refused otherwise. The row stores when its signature stops verifying (<c>ExpiresAt</c>); a row past it is
/// dead and is taken over. Dead rows are deleted by a small sweep of one partition, at most once per
/// <see cref="SweepInterval"/> per instance, started after a claim and never awaited by it.
/// </para>
/// </summary>
public sealed class ReplayGuard
{
    /// <summary>How often one instance sweeps dead rows out of one partition.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    /// <summary>Clock skew allowed on top of the signature tolerance before a row counts as dead.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(1);

    private const string ClaimantColumn = "Claimant";
    private const string ExpiresAtColumn = "ExpiresAt";
    private const int SweepBatch = 100;

    private readonly TableClient _table;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;
    private long _lastSweepTicks;

    public ReplayGuard(TableServiceClient tables, IOptions<FrontOptions> options, TimeProvider time)
    {
        _table = tables.GetTableClient(StorageNames.SeenSignaturesTable);
        _tolerance = options.Value.SignatureTolerance;
        _time = time;
    }

    /// <summary>
    /// The key a signature is remembered by: lower-case hex SHA-256 of the decoded signature bytes (two spellings of the same
    /// base64 are one key). Null when the header is not base64 (the verifier refuses those first).
    /// </summary>
    public static string? KeyOf(string? signatureHeader)
    {
        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return null;
        }

        Span<byte> raw = stackalloc byte[64];
        if (!Convert.TryFromBase64String(signatureHeader.Trim(), raw, out var length))
        {
            return null;
        }

        return Convert.ToHexStringLower(SHA256.HashData(raw[..length]));
    }

    /// <summary>The signed timestamp (ms since the epoch) of a header the verifier accepted; null when unreadable.</summary>
    public static DateTimeOffset? SignedAt(string? timestampHeader) =>
        long.TryParse(timestampHeader?.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(ms, 0, 253402300799999))
            : null;

    /// <summary>
    /// Claims <paramref name="signatureKey"/> (<see cref="KeyOf"/>) for <paramref name="claimant"/>: true when it was not
    /// claimed yet (or only by a dead row), or by the same claimant; false when another claimant holds it (a replay). Throws on
    /// storage failures (the caller answers 503, or lets the queue retry).
    /// </summary>
    public async Task<bool> ClaimAsync(string signatureKey, DateTimeOffset signedAt, string claimant, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(signatureKey);
        ArgumentException.ThrowIfNullOrEmpty(claimant);
        var partition = signatureKey[..2];
        var entity = new TableEntity(partition, signatureKey)
        {
            [ClaimantColumn] = claimant,
            [ExpiresAtColumn] = signedAt + _tolerance + Margin,
        };

        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                SweepSometimes(partition);
                return true;
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
            }

            var found = await _table.GetEntityIfExistsAsync<TableEntity>(partition, signatureKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!found.HasValue || found.Value is not { } row)
            {
                continue; // swept between the two calls: insert again
            }

            if (string.Equals(row.GetString(ClaimantColumn), claimant, StringComparison.Ordinal))
            {
                return true;
            }

            if (row.GetDateTimeOffset(ExpiresAtColumn) is { } expires && expires > _time.GetUtcNow())
            {
                return false;
            }

            try
            {
                await _table.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Someone else took over or swept the dead row meanwhile: look again.
            }
        }

        return false;
    }

    /// <summary>Deletes up to <see cref="SweepBatch"/> dead rows of one partition, at most once per interval, in the background.</summary>
    private void SweepSometimes(string partition)
    {
        var now = _time.GetUtcNow();
        var last = Interlocked.Read(ref _lastSweepTicks);
        if (now.UtcTicks - last < SweepInterval.Ticks || Interlocked.CompareExchange(ref _lastSweepTicks, now.UtcTicks, last) != last)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var deleted = 0;
                await foreach (var row in _table.QueryAsync<TableEntity>(
                    TableClient.CreateQueryFilter($"PartitionKey eq {partition} and ExpiresAt lt {now}"), select: ["PartitionKey", "RowKey"]).ConfigureAwait(false))
                {
                    await _table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag).ConfigureAwait(false);
                    if (++deleted >= SweepBatch)
                    {
                        break;
                    }
                }
            }
            catch (Exception)
            {
                // Best effort: a dead row left behind is taken over by the next claim of the same key, and swept next time.
            }
        });
    }
}
