using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using FrontSimulator.Auth;
using FrontSimulator.Control;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 21, attachment streaming: a teammate's reply carries a file of <c>megabytes</c> MB (the simulator generates its bytes
/// on the fly); the benchmark downloads it <c>rounds</c> times straight from the simulator's
/// <c>GET /messages/{id}/download/{attachment_link_id}</c> with a channel token, and as many times through the app's
/// <c>GET /api/channels/{id}/messages/{external id}/attachments/0</c>, alternating. Goals: the app's throughput (median of
/// the rounds) ≥ 0.8× the direct one; the memory the app may grow by during one download ≤ 5 MB, taken as the bytes the
/// whole process allocated during the download through the app minus those of the direct download (the app, simulator and
/// client share the process; a relay that held the file would allocate at least its size), with the peak managed-heap
/// growth printed beside it.
/// </summary>
public static class AttachmentBenchmark
{
    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int megabytes, int rounds)
    {
        await using var rig = await EndToEndRig.StartAsync(storage, appRequestsPerMinute: 100_000, appBurstPerSecond: 1_000, recordArrivals: false);
        await rig.Control.SetRateLimitAsync(100_000, 100_000);
        const string channelId = "cha_bench_attachments";
        await rig.CreateChannelAsync(channelId);
        await rig.AuthorizeAsync(channelId);
        var size = megabytes * 1024L * 1024;
        var reply = await rig.Control.SendTeammateMessageAsync(channelId, new TeammateMessage { Attachments = [new AttachmentSpec("bench.bin", "application/octet-stream", size)] });
        if (reply.Status != 200)
        {
            throw new InvalidOperationException($"The app answered {reply.Status} to the teammate's reply: {reply.Answer}");
        }

        var externalId = JsonDocument.Parse(reply.Answer).RootElement.GetProperty("external_id").GetString()!;
        var attachmentId = JsonDocument.Parse(reply.Request).RootElement.GetProperty("payload").GetProperty("attachments")[0].GetProperty("id").GetString()!;
        var direct = new Uri(rig.Front.BaseUrl, $"messages/{reply.MessageId}/download/{attachmentId}");
        var throughApp = new Uri(rig.HostUrl, $"api/channels/{channelId}/messages/{Uri.EscapeDataString(externalId)}/attachments/0");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var buffer = new byte[80 * 1024];

        async Task<Sample> Download(bool viaApp)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, viaApp ? throughApp : direct);
            if (viaApp)
            {
                request.Headers.Add("x-functions-key", EndToEndRig.FunctionKey);
            }
            else
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ChannelTokens.Create(EndToEndRig.AppUid, EndToEndRig.AppSecret, channelId));
            }

            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync();
            var received = 0L;
            var peakHeap = heapBefore;
            int read;
            var chunks = 0;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                received += read;
                if (++chunks % 16 == 0)
                {
                    peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: false));
                }
            }

            clock.Stop();
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            if (received != size)
            {
                throw new InvalidOperationException($"{(viaApp ? "app" : "direct")} download returned {received} of {size} bytes.");
            }

            return new Sample(size / 1048576.0 / clock.Elapsed.TotalSeconds, allocated, peakHeap - heapBefore);
        }

        await Download(viaApp: false); // warm-up: JIT, connections, the map row read
        await Download(viaApp: true);
        var directSamples = new List<Sample>();
        var appSamples = new List<Sample>();
        for (var round = 0; round < rounds; round++)
        {
            directSamples.Add(await Download(viaApp: false));
            appSamples.Add(await Download(viaApp: true));
            Console.WriteLine($"round {round + 1}: direct {directSamples[^1].MegabytesPerSecond:F0} MB/s, through the app {appSamples[^1].MegabytesPerSecond:F0} MB/s; " +
                $"allocated {directSamples[^1].Allocated / 1048576.0:F2} / {appSamples[^1].Allocated / 1048576.0:F2} MB; peak heap growth {directSamples[^1].PeakHeapGrowth / 1048576.0:F2} / {appSamples[^1].PeakHeapGrowth / 1048576.0:F2} MB");
        }

        var directRate = Median(directSamples.Select(s => s.MegabytesPerSecond));
        var appRate = Median(appSamples.Select(s => s.MegabytesPerSecond));
        var growth = Median(appSamples.Select(s => (double)s.Allocated)) - Median(directSamples.Select(s => (double)s.Allocated));
        var peak = Median(appSamples.Select(s => (double)s.PeakHeapGrowth));
        Console.WriteLine($"app warnings/errors: {rig.Warnings.Summary()}");
        var goals = new Goals();
        goals.Ratio($"attachment download throughput, {megabytes} MB through the app", appRate, directRate, "MB/s", "direct download from the simulator", atLeast: true, 0.8,
            detail: $"median of {rounds} rounds");
        goals.Absolute($"app memory growth during a {megabytes} MB download", growth / 1048576.0, "MB", atLeast: false, 5,
            detail: $"bytes allocated beyond the direct download's (an upper bound of growth); peak managed-heap growth {Goal.F(peak / 1048576.0)} MB");
        return goals.Results;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed record Sample(double MegabytesPerSecond, long Allocated, long PeakHeapGrowth);
}
