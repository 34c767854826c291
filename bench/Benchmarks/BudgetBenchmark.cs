using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using FrontSimulator;
using FrontSimulator.Control;

namespace FrontFunctions.Benchmarks;

/// <summary>
/// Issue 12, point 2: four local host processes (each with its queue listener) drain one backlog against one simulator
/// limit of 100 requests/minute, burst 5/s. Goals: ≥ 90 % of the limit used, ≤ 1 429 per minute, each instance ≥ 15 % of the
/// calls. <c>shared</c> (default) turns the shared budget on with the company's whole limit in every instance; <c>local</c>
/// runs the same four instances each pacing alone at the whole limit (what N instances did before), for comparison.
/// Each instance's share is read from its operator console (<c>/api/console/pipeline</c>: the gate's RequestsPassed).
/// </summary>
public static class BudgetBenchmark
{
    private const int LimitPerMinute = 100;
    private const int BurstPerSecond = 5;
    private const int Instances = 4;

    public static async Task<IReadOnlyList<GoalResult>> RunAsync(string storage, int messages, int windowSeconds, int warmupSeconds, string mode)
    {
        var shared = mode != "local";
        var localHostDll = EndToEndRig.FindLocalHost("budget");
        await using var front = await FrontSimulatorServer.StartAsync();
        var workDir = Directory.CreateTempSubdirectory("budget-bench-");
        var hosts = new List<(Process Process, Uri Url)>();
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var budgetKey = "bench-" + Guid.NewGuid().ToString("N")[..8]; // one bucket for the four instances
        try
        {
            for (var i = 0; i < Instances; i++)
            {
                var port = FreePort();
                var start = new ProcessStartInfo("dotnet", [localHostDll, "--urls", $"http://127.0.0.1:{port}"])
                {
                    WorkingDirectory = workDir.FullName, // no local.settings.json there: the environment below is the configuration
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                start.Environment["AzureWebJobsStorage"] = storage;
                start.Environment["Front__ApiBaseUrl"] = front.BaseUrl.AbsoluteUri;
                start.Environment["Front__AppUid"] = EndToEndRig.AppUid;
                start.Environment["Front__AppSecret"] = EndToEndRig.AppSecret;
                start.Environment["Front__PublicBaseUrl"] = "http://127.0.0.1";
                start.Environment["LocalHost__RunQueueListener"] = "true";
                start.Environment["LocalHost__FunctionKey"] = EndToEndRig.FunctionKey;
                start.Environment["Front__RequestsPerMinute"] = LimitPerMinute.ToString(CultureInfo.InvariantCulture); // the whole company limit
                start.Environment["Front__BurstPerSecond"] = BurstPerSecond.ToString(CultureInfo.InvariantCulture);
                start.Environment["Front__SharedBudget__Enabled"] = shared ? "true" : "false";
                start.Environment["Front__SharedBudget__BudgetKey"] = budgetKey;
                start.Environment["Logging__LogLevel__Default"] = "Warning";
                var process = Process.Start(start)!;
                process.OutputDataReceived += (_, _) => { };
                process.ErrorDataReceived += (_, _) => { };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                hosts.Add((process, new Uri($"http://127.0.0.1:{port}/")));
            }

            foreach (var (process, url) in hosts)
            {
                await WaitForHostAsync(http, url, process);
            }

            Console.WriteLine($"{Instances} local host processes up; shared budget {(shared ? "ON" : "off (each instance paces alone at the whole limit)")}");
            var control = front.Control;
            const string channelId = "cha_budget";
            await control.CreateChannelAsync(channelId, EndToEndRig.AppUid, EndToEndRig.AppSecret, new Uri(hosts[0].Url, $"api/front/channels/{channelId}"));
            await control.SetNotificationsAsync(new NotificationSettings { IncludeExternalId = false, IncludeMessageUid = false });
            await control.SetRateLimitAsync(100_000, 100_000);
            await control.SetImportDelayAsync(TimeSpan.FromSeconds(15));
            var imports = await LatencyRecorder.RunAsync("backlog import", messages, 8, async i =>
                (await control.ImportInboundAsync(channelId, EndToEndRig.AppUid, EndToEndRig.AppSecret, $"budget/m{i}", $"budget/c{i}", $"budget {i}")).StatusCode == 202);
            Console.WriteLine(imports);
            await control.SetRateLimitAsync(LimitPerMinute, BurstPerSecond);
            var baseline = FrontReadCounts.From(await control.GetCountersAsync());

            var clock = Stopwatch.StartNew();
            while (FrontReadCounts.From(await control.GetCountersAsync()).Ok - baseline.Ok == 0)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(90))
                {
                    throw new TimeoutException("no Front read succeeded within 90 s of the backlog being created");
                }

                await Task.Delay(100);
            }

            var t0 = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(warmupSeconds));
            var startCounts = FrontReadCounts.From(await control.GetCountersAsync());
            var startPassed = await PassedAsync(http, hosts);
            var windowClock = Stopwatch.StartNew();
            while (windowClock.Elapsed < TimeSpan.FromSeconds(windowSeconds))
            {
                await Task.Delay(TimeSpan.FromSeconds(10));
                var now = FrontReadCounts.From(await control.GetCountersAsync()) - startCounts;
                Console.WriteLine($"  window +{windowClock.Elapsed.TotalSeconds,4:F0} s: 2xx {now.Ok,4}, 429 {now.TooMany,3}");
            }

            var endCounts = FrontReadCounts.From(await control.GetCountersAsync());
            var endPassed = await PassedAsync(http, hosts);
            var minutes = windowClock.Elapsed.TotalMinutes;
            var window = endCounts - startCounts;
            var perInstance = endPassed.Zip(startPassed, (a, b) => a - b).ToList();
            var total = Math.Max(1, perInstance.Sum());
            var shares = perInstance.Select(p => (double)p / total).ToList();
            var counters = await control.GetCountersAsync();
            Console.WriteLine($"window {windowClock.Elapsed.TotalSeconds:F0} s after a {warmupSeconds} s warm-up: 2xx {window.Ok}, 429 {window.TooMany}; calls per instance (gate RequestsPassed, attempts incl. retries) {string.Join(", ", perInstance)}");
            Console.WriteLine($"simulator 429s by cause (whole run): burst {counters.RateLimited.Burst}, company {counters.RateLimited.Company}; cores {Environment.ProcessorCount}; machine shared with other work: figures are lower bounds");
            var used = window.Ok / minutes / LimitPerMinute;
            var tooManyPerMinute = window.TooMany / minutes;
            var goals = new Goals();
            var label = shared ? $"{Instances} instances, shared budget" : $"{Instances} instances, local gates only";
            goals.Absolute($"{label}: share of {LimitPerMinute} rpm used", used * 100, "%", atLeast: true, 90, detail: $"{Goal.F(window.Ok / minutes, "F1")} calls 2xx/min");
            goals.Absolute($"{label}: Front 429s per minute", tooManyPerMinute, "429/min", atLeast: false, 1);
            goals.Absolute($"{label}: smallest instance share", shares.Min() * 100, "%", atLeast: true, 15, detail: "shares " + string.Join(", ", shares.Select(s => Goal.F(s * 100, "F0") + " %")));
            return goals.Results;
        }
        finally
        {
            foreach (var (process, _) in hosts)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
                catch (InvalidOperationException)
                {
                }

                process.Dispose();
            }

            http.Dispose();
            workDir.Delete(recursive: true);
        }
    }

    private static async Task<List<long>> PassedAsync(HttpClient http, List<(Process Process, Uri Url)> hosts)
    {
        var result = new List<long>();
        foreach (var (_, url) in hosts)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, "api/console/pipeline"));
            request.Headers.Add("x-functions-key", EndToEndRig.FunctionKey);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync());
            result.Add(Find(json, "requests_passed") ?? throw new InvalidOperationException("no requests_passed in /api/console/pipeline"));
        }

        return result;
    }

    private static long? Find(JsonNode? node, string name) => node switch
    {
        JsonObject o => o.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value is JsonValue v
            ? v.GetValue<long>()
            : o.Select(p => Find(p.Value, name)).FirstOrDefault(x => x is not null),
        JsonArray a => a.Select(x => Find(x, name)).FirstOrDefault(x => x is not null),
        _ => null,
    };

    private static async Task WaitForHostAsync(HttpClient http, Uri url, Process process)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"a local host exited with {process.ExitCode} before answering");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(url, "api/console"));
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(300);
            }
        }

        throw new TimeoutException($"the local host at {url} did not answer within 120 s");
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(System.Net.IPAddress.Loopback, 0);
        socket.Start();
        return ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
    }

}
