using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using FrontFunctions.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FrontFunctions.Tests.Integration.LocalHost;

/// <summary>
/// Issue 22 point 4: an anonymous caller that declares a large body and trickles it must not pin memory per connection,
/// and must be cut off. 200 connections to the webhook (anonymous: the body is read before any signature check) each
/// declare <c>Content-Length: 1048576</c> and send one byte a second; the host runs as its own process so its resident
/// memory is its own.
/// </summary>
public sealed class SlowBodyTests(ITestOutputHelper output)
{
    private const int Connections = 200;
    private const long MaxGrowthBytes = 20L * 1024 * 1024;

    /// <summary>
    /// Committed memory may grow by less than half of what the declared lengths would pin (200 × 1 MiB): a fresh process's
    /// large arrays sit on pages the kernel has not backed yet, so RSS alone understates an up-front allocation (measured
    /// before the pooled reader: RSS +23.7 MiB, committed +251.6 MiB; after: RSS +10–11 MiB, committed +24–40 MiB).
    /// </summary>
    private const long MaxCommittedGrowthBytes = 100L * 1024 * 1024;
    private static readonly TimeSpan CutOffDeadline = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Two_hundred_trickled_1_MiB_bodies_pin_under_20_MB_and_are_cut_off()
    {
        await using var host = await LocalHostProcess.StartAsync();
        using (var warm = new HttpClient { BaseAddress = host.BaseUrl })
        {
            for (var i = 0; i < 5; i++)
            {
                await warm.PostAsync("/api/front/channels/cha_slowbodywarm", new StringContent("{}", Encoding.UTF8, "application/json"));
            }
        }

        var baseline = host.ResidentBytes();
        var dataBaseline = host.DataBytes();
        var clock = Stopwatch.StartNew();
        var connections = await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => SlowConnection.OpenAsync(host.BaseUrl)));
        var trickles = connections.Select(c => c.TrickleAsync(CutOffDeadline)).ToArray();
        var all = Task.WhenAll(trickles);

        var (peak, dataPeak) = (baseline, dataBaseline);
        while (!all.IsCompleted && clock.Elapsed < CutOffDeadline + TimeSpan.FromSeconds(5))
        {
            (peak, dataPeak) = (Math.Max(peak, host.ResidentBytes()), Math.Max(dataPeak, host.DataBytes()));
            await Task.WhenAny(all, Task.Delay(200));
        }

        (peak, dataPeak) = (Math.Max(peak, host.ResidentBytes()), Math.Max(dataPeak, host.DataBytes()));
        var results = await all;
        var cut = results.Count(r => r.ClosedAt is not null);
        output.WriteLine($"RSS baseline {baseline / 1048576.0:F1} MiB, peak {peak / 1048576.0:F1} MiB (growth {(peak - baseline) / 1048576.0:F1} MiB); " +
            $"committed (VmData) growth {(dataPeak - dataBaseline) / 1048576.0:F1} MiB; " +
            $"{cut}/{Connections} cut off, last after {results.Max(r => r.ClosedAt ?? CutOffDeadline).TotalSeconds:F1} s; " +
            $"answers: {string.Join(", ", results.GroupBy(r => r.StatusLine ?? "(none)").Select(g => $"{g.Key} ×{g.Count()}"))}");

        Assert.Equal(Connections, cut);
        Assert.True(peak - baseline < MaxGrowthBytes,
            $"The host's memory grew by {(peak - baseline) / 1048576.0:F1} MiB for {Connections} slow connections (limit 20 MB).");
        Assert.True(dataPeak - dataBaseline < MaxCommittedGrowthBytes,
            $"The host's committed memory grew by {(dataPeak - dataBaseline) / 1048576.0:F1} MiB: the declared lengths were allocated up front.");
        Assert.All(results, r => Assert.True(r.StatusLine is null || r.StatusLine.Contains(" 408 ", StringComparison.Ordinal),
            "A trickled body is answered 408 (or the connection closed), not: " + r.StatusLine));
    }

    private sealed record Outcome(TimeSpan? ClosedAt, string? StatusLine);

    /// <summary>One connection that declares a 1 MiB body and sends one byte of it a second.</summary>
    private sealed class SlowConnection(TcpClient client, NetworkStream stream)
    {
        public static async Task<SlowConnection> OpenAsync(Uri baseUrl)
        {
            var client = new TcpClient();
            await client.ConnectAsync(baseUrl.Host, baseUrl.Port);
            var stream = client.GetStream();
            var head = "POST /api/front/channels/cha_slowbody HTTP/1.1\r\n" +
                       $"Host: {baseUrl.Authority}\r\n" +
                       "Content-Type: application/json\r\n" +
                       "Content-Length: 1048576\r\n\r\n{";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            return new SlowConnection(client, stream);
        }

        /// <summary>Sends a byte a second until the server closes the connection or <paramref name="deadline"/> passes.</summary>
        public async Task<Outcome> TrickleAsync(TimeSpan deadline)
        {
            using (client)
            {
                var clock = Stopwatch.StartNew();
                using var stop = new CancellationTokenSource(deadline);
                var received = new MemoryStream();
                var reading = ReadUntilClosedAsync(received, stop.Token);
                try
                {
                    while (!reading.IsCompleted)
                    {
                        await Task.WhenAny(reading, Task.Delay(1000, stop.Token));
                        if (!reading.IsCompleted)
                        {
                            await stream.WriteAsync(" "u8.ToArray(), stop.Token);
                        }
                    }
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
                {
                    // the server closed (a write after its close fails) or the deadline passed
                }

                var closed = await reading;
                var text = Encoding.ASCII.GetString(received.ToArray());
                return new Outcome(closed ? clock.Elapsed : null, text.Length > 0 ? text.Split("\r\n")[0] : null);
            }
        }

        private async Task<bool> ReadUntilClosedAsync(MemoryStream received, CancellationToken cancellationToken)
        {
            var buffer = new byte[1024];
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    received.Write(buffer, 0, read);
                }

                return true;
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                return true; // reset by the server
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }
}
