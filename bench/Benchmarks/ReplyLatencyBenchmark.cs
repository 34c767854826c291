using System.Collections.Concurrent;
using System.Diagnostics;
using FrontFunctions.Outbound;
using FrontSimulator.Control;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 22, point 7's new figure: a teammate's reply in Front → the partner receives it. The simulator sends Front's
/// <c>message</c> webhook (signed, as Front sends it) to the local host in-process, paced at <c>rate</c> replies a second in
/// conversations the map knows; the app answers it, queues the message on <c>front-outbound</c>, and its delivery function
/// POSTs it, signed, to a partner receiver in this process that notes when each Front message id first arrived. Latency =
/// first arrival − the moment the simulator was asked to send. Goals: p50 ≤ 300 ms, p99 ≤ 1 s, every reply delivered.
/// </summary>
public static class ReplyLatencyBenchmark
{
    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int replies, int rate, int conversations)
    {
        await using var partner = await PartnerReceiver.StartAsync(failureRate: 0);
        await using var rig = await EndToEndRig.StartAsync(storage, appRequestsPerMinute: 100_000, appBurstPerSecond: 1_000, recordArrivals: false,
            more: PartnerSettings(partner.Url));
        await rig.Control.SetRateLimitAsync(100_000, 100_000);
        await rig.Control.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = true, IncludeMessageUid = true });
        var channel = "cha_replies_" + Guid.NewGuid().ToString("N")[..6];
        var known = await MappedConversationsAsync(rig, channel, conversations);

        // Warm-up: JIT, connections, the outbound queue's listener.
        await SendPacedAsync(rig, channel, known, Math.Min(20, replies), rate, partner, "warm-up");
        var (latencies, answers, delivered, sent) = await SendPacedAsync(rig, channel, known, replies, rate, partner, "measured");

        var p50 = Percentile(latencies, 0.50);
        var p99 = Percentile(latencies, 0.99);
        Console.WriteLine($"replies: {sent} sent at {rate}/s, {delivered} delivered; teammate reply → partner receives it p50 {p50:F1} ms, p99 {p99:F1} ms, max {latencies.DefaultIfEmpty(double.NaN).Max():F1} ms; " +
            $"the app's answer to Front's message webhook p50 {Percentile(answers, 0.50):F1} ms, p99 {Percentile(answers, 0.99):F1} ms");
        Console.WriteLine($"app warnings/errors: {rig.Warnings.Summary()}");
        var complete = delivered == sent && sent == replies;
        var detail = $"{delivered}/{replies} delivered at {rate} replies/s; webhook answer p99 {Percentile(answers, 0.99):F0} ms";
        var goals = new Goals();
        goals.Absolute($"teammate reply → partner receives it, p50, {rate} replies/s", p50, "ms", atLeast: false, 300, complete, detail);
        goals.Absolute($"teammate reply → partner receives it, p99, {rate} replies/s", p99, "ms", atLeast: false, 1000, complete, detail);
        return goals.Results;
    }

    /// <summary>The settings that make the in-process host deliver <c>front-outbound</c> to <paramref name="url"/>.</summary>
    public static Dictionary<string, string?> PartnerSettings(Uri url) => new()
    {
        ["Partner:OutboundUrl"] = url.AbsoluteUri,
        ["Partner:SigningSecret"] = PartnerOptions.SecretPrefix + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        [PartnerOptions.DisabledSetting] = "false",
    };

    /// <summary>Imports one message into each of <paramref name="count"/> conversations and waits until all are mapped; their Front ids.</summary>
    public static async Task<string[]> MappedConversationsAsync(EndToEndRig rig, string channel, int count)
    {
        await rig.CreateChannelAsync(channel);
        await rig.AuthorizeAsync(channel);
        for (var c = 0; c < count; c++)
        {
            var result = await rig.ImportAsync(channel, $"replies/{channel}/c{c}/m0", $"replies/{channel}/c{c}", $"replies seed {channel} {c}");
            if (result.StatusCode != 202)
            {
                throw new InvalidOperationException($"the simulator refused import {c}: {result.StatusCode} {result.Body}");
            }
        }

        var mapped = await rig.WaitMappedAsync(channel, count, TimeSpan.FromSeconds(60));
        if (mapped < count)
        {
            throw new InvalidOperationException($"only {mapped}/{count} seed messages were mapped within 60 s");
        }

        var snapshot = await rig.Control.GetChannelAsync(channel);
        return [.. snapshot.Conversations.Where(c => c.MergedInto is null && c.Messages.Count > 0).Select(c => c.Id)];
    }

    /// <summary>
    /// Sends <paramref name="count"/> teammate replies at <paramref name="rate"/> a second (each at its slot, not waiting for
    /// the previous), then waits up to 60 s for the partner to have them all.
    /// </summary>
    internal static async Task<(double[] LatenciesMs, double[] AnswersMs, int Delivered, int Sent)> SendPacedAsync(
        EndToEndRig rig, string channel, string[] conversations, int count, int rate, PartnerReceiver partner, string label)
    {
        var sent = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var answers = new ConcurrentBag<double>();
        var failures = 0;
        var clock = Stopwatch.StartNew();
        var tasks = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var conversation = conversations[i % conversations.Length];
            var messageId = $"msg_reply_{label}_{i}_{Guid.NewGuid().ToString("N")[..8]}";
            tasks.Add(Task.Run(async () =>
            {
                var at = DateTimeOffset.UtcNow;
                sent[messageId] = at;
                var started = Stopwatch.GetTimestamp();
                var result = await rig.Control.SendTeammateMessageAsync(channel, new TeammateMessage { ConversationId = conversation, MessageId = messageId, Body = $"<p>reply {i}</p>" });
                answers.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (result.Status != 200)
                {
                    Interlocked.Increment(ref failures);
                    Console.WriteLine($"  [{label}] reply {messageId} answered {result.Status}: {result.Answer}");
                }
            }));
        }

        await Task.WhenAll(tasks);
        var wait = Stopwatch.StartNew();
        while (sent.Keys.Any(id => !partner.Delivered.ContainsKey(id)) && wait.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50);
        }

        var latencies = sent
            .Where(p => partner.Delivered.ContainsKey(p.Key))
            .Select(p => (partner.Delivered[p.Key].Min() - p.Value).TotalMilliseconds)
            .ToArray();
        Console.WriteLine($"  [{label}] {count} replies sent in {clock.Elapsed.TotalSeconds:F1} s ({failures} not answered 200), {latencies.Length} delivered");
        return (latencies, [.. answers], latencies.Length, count - failures);
    }

    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}
