using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.Storage;
using FrontSimulator.Control;

namespace FrontFunctions.Benchmarks;

/// <summary>The fault ledger run's verdict: every count checked against the simulator's truth, the kills accounted for.</summary>
public static partial class FaultLedgerRun
{
    /// <summary>The checks: every count against the simulator's truth, through the lookup API and the table.</summary>
    private static async Task VerifyAsync(
        JsonObject ledger, List<string> problems, string storage, HttpClient http, TableClient idMap, QueueServiceClient queues, SimulatorControl control,
        Dictionary<string, ChannelSnapshot> truth, List<(string Channel, MessageSnapshot Message, ConversationSnapshot Survivor)> truthMessages,
        List<ReplyRecord> acknowledged, PartnerReceiver partner)
    {
        // Converged: both queues are empty (leased messages included), so nothing is in flight while the lookups run.
        var counters = await control.GetCountersAsync();
        var failures = new List<JsonObject>();
        var failuresTable = new TableServiceClient(storage).GetTableClient(StorageNames.FailuresTable);
        await foreach (var row in failuresTable.QueryAsync<TableEntity>(maxPerPage: 1000))
        {
            failures.Add(new JsonObject { ["partition"] = row.PartitionKey, ["row"] = row.RowKey, ["message_id"] = row.GetString("MessageId"), ["reason"] = row.GetString("Reason") });
        }

        int Count(string queue) => queues.GetQueueClient(queue).GetProperties().Value.ApproximateMessagesCount;
        var ingestPoison = Count(StorageNames.IngestPoisonQueue);
        var outboundPoison = Count(StorageNames.OutboundPoisonQueue);

        var poisonedIds = failures.Select(f => (string?)f["message_id"]).OfType<string>().ToHashSet(StringComparer.Ordinal);

        // Lookups, message by message and conversation by conversation.
        var wrong = new ConcurrentBag<string>();
        var mappedOk = 0;
        var lookupCalls = 0;
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(truthMessages.Select(async t =>
        {
            await gate.WaitAsync();
            try
            {
                var answer = await LookupAsync(http, $"api/map/{t.Channel}/messages?external_id={Uri.EscapeDataString(t.Message.ExternalId)}");
                Interlocked.Increment(ref lookupCalls);
                if (answer is null && poisonedIds.Contains(t.Message.Id))
                {
                    return; // poisoned: counted (and judged) as poisoned, not as a wrong lookup
                }

                if (answer is null)
                {
                    wrong.Add($"{t.Channel} {t.Message.Id} ({t.Message.ExternalId}): not found");
                    return;
                }

                var expectIds = t.Survivor.ExternalConversationIds.OrderBy(x => x, StringComparer.Ordinal).ToList();
                var gotIds = (answer["external_conversation_ids"]?.AsArray() ?? []).Select(x => x!.GetValue<string>()).OrderBy(x => x, StringComparer.Ordinal).ToList();
                if ((string?)answer["message_id"] != t.Message.Id || (string?)answer["conversation_id"] != t.Survivor.Id || !expectIds.SequenceEqual(gotIds))
                {
                    wrong.Add($"{t.Channel} {t.Message.ExternalId}: app says {answer["message_id"]} in {answer["conversation_id"]} [{string.Join(",", gotIds)}], Front says {t.Message.Id} in {t.Survivor.Id} [{string.Join(",", expectIds)}]");
                    return;
                }

                Interlocked.Increment(ref mappedOk);
            }
            finally
            {
                gate.Release();
            }
        }));

        var conversationChecks = 0;
        foreach (var (channel, snapshot) in truth)
        {
            foreach (var conversation in snapshot.Conversations.Where(c => c.Messages.Count > 0 || c.ExternalConversationIds.Count > 0))
            {
                var survivor = Resolve(snapshot, conversation);
                var expectIds = survivor.ExternalConversationIds.OrderBy(x => x, StringComparer.Ordinal).ToList();
                var queriesToCheck = conversation.ExternalConversationIds.Select(e => $"external_id={Uri.EscapeDataString(e)}").Append($"front_id={conversation.Id}");
                foreach (var query in queriesToCheck)
                {
                    var answer = await LookupAsync(http, $"api/map/{channel}/conversations?{query}");
                    conversationChecks++;
                    var gotIds = (answer?["external_conversation_ids"]?.AsArray() ?? []).Select(x => x!.GetValue<string>()).OrderBy(x => x, StringComparer.Ordinal).ToList();
                    if (answer is null || (string?)answer["conversation_id"] != survivor.Id || !expectIds.SequenceEqual(gotIds))
                    {
                        wrong.Add($"{channel} conversation {query}: app says {answer?["conversation_id"]} [{string.Join(",", gotIds)}], Front says {survivor.Id} [{string.Join(",", expectIds)}]");
                    }
                }
            }
        }

        // Rows: one xm| and one fm| row per message (imports and acknowledged replies), nothing else.
        var rowCounts = new JsonObject();
        var duplicateRows = 0;
        foreach (var channel in truth.Keys)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var frontIdsOfXm = new Dictionary<string, int>(StringComparer.Ordinal);
            await foreach (var row in idMap.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {channel}"), maxPerPage: 1000))
            {
                var kind = row.RowKey.Split('|')[0];
                counts[kind] = counts.GetValueOrDefault(kind) + 1;
                if (kind == "xm" && row.GetString("MessageId") is { } frontId)
                {
                    frontIdsOfXm[frontId] = frontIdsOfXm.GetValueOrDefault(frontId) + 1;
                }
            }

            var messages = truthMessages.Count(t => t.Channel == channel) + acknowledged.Count(r => r.Channel == channel);
            duplicateRows += Math.Max(0, counts.GetValueOrDefault("xm") - messages) + Math.Max(0, counts.GetValueOrDefault("fm") - messages)
                + frontIdsOfXm.Values.Sum(n => n - 1);
            rowCounts[channel] = new JsonObject
            {
                ["messages_expected"] = messages,
                ["xm_rows"] = counts.GetValueOrDefault("xm"),
                ["fm_rows"] = counts.GetValueOrDefault("fm"),
                ["xc_rows"] = counts.GetValueOrDefault("xc"),
                ["fc_rows"] = counts.GetValueOrDefault("fc"),
            };
        }

        var sent = truthMessages.Count;
        var poisonedWithReason = Math.Min(ingestPoison, failures.Count(f => !string.IsNullOrEmpty((string?)f["reason"])));
        var lost = sent - mappedOk - ingestPoison;
        var replyDelivered = acknowledged.Count(r => partner.Delivered.ContainsKey(r.MessageId!));
        var repliesLost = acknowledged.Count - replyDelivered - outboundPoison;
        var n = counters.Notifications;
        ledger["notifications"] = new JsonObject
        {
            ["unique_sent"] = sent,
            ["attempts"] = n.Attempts,
            ["delivered_2xx"] = n.Delivered,
            ["delivered_twice"] = n.Duplicated,
            ["out_of_order"] = n.Reordered,
            ["failed_attempts"] = n.FailedAttempts,
            ["by_status"] = JsonSerializer.SerializeToNode(n.ByStatus),
            ["timed_out_over_7s"] = n.TimedOut,
            ["slowest_answer_ms"] = n.SlowestAnswerMs,
            ["abandoned_by_front"] = n.Abandoned,
        };
        ledger["front_faults"] = new JsonObject
        {
            ["errors_5xx_injected"] = counters.Faults.ErrorsInjected,
            ["connections_dropped"] = counters.Faults.ConnectionsDropped,
            ["injected_429"] = counters.RateLimited.Injected,
            ["front_api_requests"] = JsonSerializer.SerializeToNode(counters.Requests),
        };
        ledger["ledger"] = new JsonObject
        {
            ["sent_unique"] = sent,
            ["mapped_and_agreeing"] = mappedOk,
            ["poisoned"] = ingestPoison,
            ["poisoned_with_reason"] = poisonedWithReason,
            ["lost"] = lost,
            ["duplicate_rows"] = duplicateRows,
            ["lookups_disagreeing"] = wrong.Count,
            ["message_lookups"] = lookupCalls,
            ["conversation_lookups"] = conversationChecks,
            ["rows"] = rowCounts,
            ["failure_rows"] = new JsonArray([.. failures.Take(50)]),
        };
        ledger["partner"] = new JsonObject
        {
            ["replies_acknowledged"] = acknowledged.Count,
            ["delivered_at_least_once"] = replyDelivered,
            ["delivered_more_than_once"] = partner.Delivered.Count(p => p.Value.Count > 1),
            ["receiver_500s"] = partner.Failed,
            ["poisoned"] = outboundPoison,
            ["lost"] = repliesLost,
            ["reply_webhook_attempts"] = acknowledged.Sum(r => r.Attempts),
        };
        if (n.Abandoned > 0)
        {
            problems.Add($"Front (the simulator) gave up on {n.Abandoned} notifications");
        }

        if (n.TimedOut > 0)
        {
            problems.Add($"{n.TimedOut} webhook attempts got no answer within Front's {FrontTimeLimitMs} ms");
        }

        if (sent != mappedOk + poisonedWithReason || lost != 0)
        {
            problems.Add($"sent unique {sent} != mapped {mappedOk} + poisoned with reason {poisonedWithReason} (lost {lost})");
        }

        if (ingestPoison > 0)
        {
            problems.Add($"{ingestPoison} notifications poisoned although no failure in this run is permanent: {string.Join("; ", failures.Take(5).Select(f => f.ToJsonString()))}");
        }

        if (duplicateRows > 0)
        {
            problems.Add($"{duplicateRows} duplicate rows: {rowCounts.ToJsonString()}");
        }

        if (!wrong.IsEmpty)
        {
            problems.Add($"{wrong.Count} lookups disagree with Front: {string.Join("; ", wrong.Take(5))}");
        }

        if (repliesLost != 0 || outboundPoison > 0)
        {
            problems.Add($"partner deliveries: {acknowledged.Count} replies acknowledged, {replyDelivered} delivered, {outboundPoison} poisoned, {repliesLost} lost");
        }

        if (truth.Values.Sum(s => s.Conversations.Count(c => c.MergedInto is not null)) < 3)
        {
            problems.Add("fewer than 3 merges happened");
        }
    }

    private static ConversationSnapshot Resolve(ChannelSnapshot snapshot, ConversationSnapshot conversation)
    {
        while (conversation.MergedInto is { } next)
        {
            conversation = snapshot.Conversations.First(c => c.Id == next);
        }

        return conversation;
    }

    private static async Task<JsonNode?> LookupAsync(HttpClient http, string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Add("x-functions-key", EndToEndRig.FunctionKey);
                using var response = await http.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return null;
                }

                response.EnsureSuccessStatusCode();
                return JsonNode.Parse(await response.Content.ReadAsStringAsync());
            }
            catch (HttpRequestException) when (attempt < 5)
            {
                await Task.Delay(500);
            }
        }
    }

    /// <summary>
    /// What each kill interrupted, from the storage state read at the kill moment and the host logs: a message the killed
    /// listener had dequeued comes back only after the lease and is then processed with dequeue count ≥ 2 ("Mapped … attempt
    /// N" ≥ 5 min after the kill). Its rows absent at the kill = interrupted between dequeue and write; present = between
    /// write and delete (the queue message was not deleted yet). Everything else converged without waiting for a lease.
    /// </summary>
    private static void AccountKills(
        JsonObject ledger, List<string> problems, List<KillRecord> kills, IReadOnlyList<string> logFiles, DateTimeOffset? lastDelivery,
        DateTimeOffset convergedAt, PartnerReceiver partner)
    {
        var mappedLines = new List<(DateTimeOffset At, string Message, int Attempt, int Generation)>();
        for (var g = 0; g < logFiles.Count; g++)
        {
            foreach (var line in File.ReadLines(logFiles[g]))
            {
                var m = MappedLine.Match(line);
                if (m.Success && DateTimeOffset.TryParse(m.Groups["ts"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    mappedLines.Add((at, m.Groups["msg"].Value, int.Parse(m.Groups["attempt"].Value, CultureInfo.InvariantCulture), g));
                }
            }
        }

        var firstMapped = mappedLines.GroupBy(l => l.Message).ToDictionary(g => g.Key, g => g.Min(l => l.At), StringComparer.Ordinal);
        var attempts = new List<(DateTimeOffset At, string Message, int Generation)>();
        for (var g = 0; g < logFiles.Count; g++)
        {
            foreach (var line in File.ReadLines(logFiles[g]))
            {
                var m = AttemptLine.Match(line);
                if (m.Success && DateTimeOffset.TryParse(m.Groups["ts"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    attempts.Add((at, m.Groups["msg"].Value, g));
                }
            }
        }
        // A SIGKILLed host loses the log lines it had not flushed: a message whose rows were in the table at a kill was
        // mapped by then, whatever the logs say (otherwise its second pass after the lease looks like its first mapping).
        foreach (var kill in kills)
        {
            foreach (var message in kill.MappedAtKill)
            {
                if (!firstMapped.TryGetValue(message, out var at) || at > kill.At)
                {
                    firstMapped[message] = kill.At;
                }
            }
        }

        var leasedNotWritten = new HashSet<string>(StringComparer.Ordinal);
        var killsJson = new JsonArray();
        foreach (var kill in kills)
        {
            // Held by the killed listener's lease: mapped at a second or later dequeue, by a later host whose FIRST attempt at it
            // came when the lease ran out (5 min after the kill to the lease + 1 min). The mapping itself may come later: Front
            // can still answer 429 then, and a message rate limited at its last attempt is queued again a minute later.
            var firstAttemptAfterKill = attempts.Where(a => a.Generation > kill.Generation && a.At > kill.At)
                .GroupBy(a => a.Message).ToDictionary(g => g.Key, g => g.Min(a => a.At), StringComparer.Ordinal);
            var returned = mappedLines
                .Where(l => l.Generation > kill.Generation && l.Attempt >= 2)
                .Select(l => (l.Message, At: firstAttemptAfterKill.TryGetValue(l.Message, out var first) ? first : l.At))
                .Where(l => l.At >= kill.At + TimeSpan.FromMinutes(5) && l.At <= kill.At + Lease + TimeSpan.FromMinutes(1))
                .Where(l => kills.Where(k => k != kill).All(k => Math.Abs((l.At - (k.At + Lease)).TotalSeconds) >= Math.Abs((l.At - (kill.At + Lease)).TotalSeconds)))
                .Select(l => l.Message).ToHashSet(StringComparer.Ordinal);
            var notWritten = returned.Where(m => !kill.MappedAtKill.Contains(m)).ToList();
            var writtenNotDeleted = returned.Where(kill.MappedAtKill.Contains).ToList();
            leasedNotWritten.UnionWith(notWritten);
            var repliesAfterLease = partner.Delivered
                .Where(p => p.Value.Any(t => t >= kill.At + TimeSpan.FromMinutes(5) && t <= kill.At + Lease + TimeSpan.FromMinutes(1)))
                .Select(p => (Id: p.Key, Before: p.Value.Count(t => t < kill.At))).ToList();
            killsJson.Add(new JsonObject
            {
                ["generation"] = kill.Generation,
                ["at"] = kill.At.ToString("O"),
                ["down_seconds"] = Math.Round(kill.Down.TotalSeconds, 1),
                ["mapped_at_kill"] = kill.MappedAtKill.Count,
                ["ingest_queue_at_kill_incl_in_flight"] = kill.IngestQueueAtKill,
                ["outbound_queue_at_kill_incl_in_flight"] = kill.OutboundQueueAtKill,
                ["interrupted_between_dequeue_and_write"] = notWritten.Count,
                ["interrupted_between_write_and_delete"] = writtenNotDeleted.Count,
                ["examples_dequeue_write"] = new JsonArray([.. notWritten.Take(5).Select(x => (JsonNode?)x)]),
                ["examples_write_delete"] = new JsonArray([.. writtenNotDeleted.Take(5).Select(x => (JsonNode?)x)]),
                ["partner_deliveries_after_lease"] = repliesAfterLease.Count,
                ["partner_deliveries_after_lease_already_delivered_before_kill"] = repliesAfterLease.Count(r => r.Before > 0),
            });
        }

        var nonLeased = firstMapped.Where(p => !leasedNotWritten.Contains(p.Key)).Select(p => p.Value).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
        var leased = firstMapped.Where(p => leasedNotWritten.Contains(p.Key)).Select(p => p.Value).DefaultIfEmpty(DateTimeOffset.MinValue).Max();
        double? Since(DateTimeOffset t) => lastDelivery is { } d && t != DateTimeOffset.MinValue ? Math.Round((t - d).TotalSeconds, 1) : null;
        ledger["kills"] = killsJson;
        ledger["convergence"] = new JsonObject
        {
            ["last_delivery_at"] = lastDelivery?.ToString("O"),
            ["last_non_leased_mapped_at"] = nonLeased == DateTimeOffset.MinValue ? null : nonLeased.ToString("O"),
            ["last_non_leased_mapped_s_after_last_delivery"] = Since(nonLeased),
            ["last_leased_mapped_at"] = leased == DateTimeOffset.MinValue ? null : leased.ToString("O"),
            ["last_leased_mapped_s_after_last_delivery"] = Since(leased),
            ["everything_settled_s_after_last_delivery"] = Since(convergedAt),
            ["lease_minutes"] = Lease.TotalMinutes,
        };
        // Nothing but the lease may hold a message that long: everything else is mapped before the first lease could even run
        // out (the last kill + the lease). How long the rest takes is the backlog's drain at the machine's pace (127 s to 6 min
        // after the last delivery on this loaded 2-core machine), a throughput, not a wait: it is reported, not bounded tighter.
        var lastKillAt = kills.Count > 0 ? kills.Max(k => k.At) : (DateTimeOffset?)null;
        if (lastKillAt is { } k0 && nonLeased != DateTimeOffset.MinValue && nonLeased >= k0 + Lease)
        {
            problems.Add($"the last message not held by a lease mapped at {nonLeased:HH:mm:ss}, after the last kill + the lease ({k0 + Lease:HH:mm:ss}): something else waited that long");
        }
    }

    private static void PrintLedger(JsonObject ledger)
    {
        Console.WriteLine("==== fault ledger ====");
        foreach (var key in new[] { "ledger", "notifications", "partner", "kills", "events", "convergence" })
        {
            if (ledger[key] is { } node)
            {
                var copy = JsonNode.Parse(node.ToJsonString())!;
                if (copy is JsonObject o)
                {
                    o.Remove("failure_rows");
                }

                Console.WriteLine($"{key}: {copy.ToJsonString()}");
            }
        }
    }

}
