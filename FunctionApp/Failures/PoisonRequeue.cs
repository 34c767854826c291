using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using FrontFunctions.Storage;

namespace FrontFunctions.Failures;

/// <summary>
/// Moves messages from <c>front-ingest-poison</c> back to <c>front-ingest</c> after the cause is fixed (a channel
/// re-authorized, a secret corrected, Front reachable again). The text is re-sent exactly as it was, through a client
/// configured for Base64 like the queue trigger: a message re-queued by hand as plain text would go straight back to the
/// poison queue (azure-sdk-for-net#21449). Each message is sent before it is deleted, so a failure in between leaves a
/// duplicate, never a loss (enrichment is idempotent).
/// <para>
/// Each message is taken at most once per run: only what was in the poison queue when the run began (its count, and the
/// service's clock at that moment) is considered. A re-queued message that fails again comes back to the poison queue as
/// a new message (new id, later insertion time, same text): it is left there, visible, not taken again — otherwise a run
/// started before the cause is fixed never ends, one Front call per pass.
/// </para>
/// </summary>
public sealed class PoisonRequeue(QueueServiceClient queues)
{
    /// <summary>How long a message received but not taken stays hidden from others while the run goes on.</summary>
    private static readonly TimeSpan SetAsideFor = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The queues whose poison queue can be re-queued: <c>front-ingest</c> (the default), <c>front-outbound</c> and
    /// <c>front-import-checks</c> (an overdue check whose Front lookup kept failing; re-queued it runs at once).
    /// </summary>
    public static IReadOnlyList<string> Queues { get; } = [StorageNames.IngestQueue, StorageNames.OutboundQueue, StorageNames.ImportCheckQueue];

    /// <summary>
    /// Re-queues up to <paramref name="max"/> poison messages (all channels, or only <paramref name="channelId"/>'s) from
    /// <paramref name="queueName"/><c>-poison</c> to <paramref name="queueName"/> (one of <see cref="Queues"/>).
    /// </summary>
    public Task<PoisonRequeueReport> RequeueAsync(string? channelId, int max, CancellationToken cancellationToken, string queueName = StorageNames.IngestQueue) =>
        RequeueAsync(queueName, channelId, take: null, max, cancellationToken);

    /// <summary>
    /// Re-queues up to <paramref name="max"/> poison messages whose text <paramref name="take"/> selects (the operator console's
    /// one item); the others are left as another channel's are (<see cref="PoisonRequeueReport.LeftForOtherChannels"/>).
    /// </summary>
    public Task<PoisonRequeueReport> RequeueWhereAsync(Func<string, bool> take, int max, CancellationToken cancellationToken, string queueName = StorageNames.IngestQueue) =>
        RequeueAsync(queueName, channelId: null, take, max, cancellationToken);

    private async Task<PoisonRequeueReport> RequeueAsync(string queueName, string? channelId, Func<string, bool>? take, int max, CancellationToken cancellationToken)
    {
        if (!Queues.Contains(queueName, StringComparer.Ordinal))
        {
            throw new ArgumentException($"The queue must be one of {string.Join(", ", Queues)}.", nameof(queueName));
        }

        var poison = queues.GetQueueClient(queueName + "-poison");
        var ingest = queues.GetQueueClient(queueName);
        Response<QueueProperties> properties;
        try
        {
            properties = await poison.GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return PoisonRequeueReport.Empty; // no poison queue yet: nothing was ever poisoned
        }

        var foundAtStart = properties.Value.ApproximateMessagesCount;
        // The service's clock, which also stamps InsertedOn: a local clock could be skewed against it. The Date header is
        // truncated to the second, so a message inserted just before the run can carry an InsertedOn up to 999 ms past it
        // (Azurite stamps milliseconds): "arrived during the run" means from the next whole second on. The count taken above
        // still bounds the run, so a message that arrives within that second is at most taken once.
        var startedAt = (properties.GetRawResponse().Headers.Date ?? DateTimeOffset.UtcNow).AddSeconds(1);

        var requeued = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var requeuedTexts = new HashSet<string>(StringComparer.Ordinal); // hashes: a text seen again is a re-failure
        var seen = new HashSet<string>(StringComparer.Ordinal);          // queue message ids received in this run
        var setAside = new Dictionary<string, string>(StringComparer.Ordinal); // id → latest pop receipt
        int moved = 0, considered = 0, otherChannels = 0, arrivedDuringRun = 0, notDeleted = 0, stillHidden = 0;
        try
        {
            while (moved < max && considered < foundAtStart)
            {
                var batch = (await poison.ReceiveMessagesAsync(
                    maxMessages: Math.Clamp(Math.Min(max - moved, foundAtStart - considered), 1, 32), visibilityTimeout: SetAsideFor,
                    cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
                var progressed = false;
                foreach (var message in batch)
                {
                    if (!seen.Add(message.MessageId))
                    {
                        setAside[message.MessageId] = message.PopReceipt; // set aside before; visible again as the run outlived its hiding
                        continue;
                    }

                    progressed = true;
                    var text = message.Body.ToString();
                    var hash = Hash(text);
                    if (message.InsertedOn >= startedAt || requeuedTexts.Contains(hash))
                    {
                        setAside[message.MessageId] = message.PopReceipt;
                        arrivedDuringRun++;
                        continue;
                    }

                    considered++;
                    var (channel, messageId) = Ids(text);
                    if ((channelId is not null && channel != channelId) || (take is not null && !take(text)))
                    {
                        setAside[message.MessageId] = message.PopReceipt;
                        otherChannels++;
                        continue;
                    }

                    await ingest.SendMessageAsync(text, cancellationToken).ConfigureAwait(false);
                    requeuedTexts.Add(hash);
                    moved++;
                    var key = channel ?? DeliveryFailures.UnknownChannelPartition;
                    if (!requeued.TryGetValue(key, out var ids))
                    {
                        requeued[key] = ids = [];
                    }

                    ids.Add(messageId ?? "queue message " + message.MessageId);
                    try
                    {
                        await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                    }
                    catch (RequestFailedException e) when (e.Status is 400 or 404)
                    {
                        notDeleted++; // its pop receipt no longer holds (the run outlived it): a harmless duplicate stays
                    }

                    if (moved >= max)
                    {
                        break;
                    }
                }

                if (!progressed)
                {
                    break;
                }
            }
        }
        finally
        {
            // What was set aside stays in the poison queue, visible again at once. A pop receipt that no longer holds (the
            // run outlived its hiding and someone else received the message) is not an error: the message is visible
            // again when that other hiding ends.
            foreach (var (id, popReceipt) in setAside)
            {
                try
                {
                    await poison.UpdateMessageAsync(id, popReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                }
                catch (RequestFailedException e) when (e.Status is 400 or 404)
                {
                    stillHidden++;
                }
            }
        }

        return new PoisonRequeueReport(
            foundAtStart,
            requeued.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal),
            otherChannels,
            arrivedDuringRun,
            notDeleted,
            stillHidden);
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// The channel and the message a queued text names: the Front message id of a notification or outbound item, the
    /// external id of an import check (null when the text is none of them).
    /// </summary>
    private static (string? ChannelId, string? MessageId) Ids(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            return root.ValueKind != JsonValueKind.Object
                ? (null, null)
                : (StringProperty(root, "channel_id"), StringProperty(root, "message_id") ?? StringProperty(root, "external_id"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>What one <see cref="PoisonRequeue"/> run did.</summary>
/// <param name="FoundAtStart">Messages in the poison queue when the run began (the service's approximate count).</param>
/// <param name="Requeued">Per channel (<c>_unknown</c> for unreadable text), the Front message ids re-queued.</param>
/// <param name="LeftForOtherChannels">Messages of other channels, left in the poison queue.</param>
/// <param name="ArrivedDuringRun">Messages poisoned after the run began (re-queued ones that failed again among them), left.</param>
/// <param name="NotDeleted">Re-queued messages whose poison copy could not be deleted (pop receipt expired): duplicates, harmless.</param>
/// <param name="StillHidden">Set-aside messages that could not be made visible at once (pop receipt expired); visible later.</param>
public sealed record PoisonRequeueReport(
    int FoundAtStart,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Requeued,
    int LeftForOtherChannels,
    int ArrivedDuringRun,
    int NotDeleted,
    int StillHidden)
{
    public static PoisonRequeueReport Empty { get; } = new(0, new Dictionary<string, IReadOnlyList<string>>(), 0, 0, 0, 0);

    public int RequeuedCount => Requeued.Values.Sum(ids => ids.Count);
}
