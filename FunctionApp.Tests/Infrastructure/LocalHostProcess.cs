using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FrontFunctions.TestSupport;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>
/// The local host (LocalHost/) started as its own process from the test's output folder, on a free loopback port against
/// the test Azurite: for measurements of the host alone (its resident memory from <c>/proc/{pid}/status</c>), which the
/// in-process <see cref="RunningLocalHost"/> cannot separate from the test runner's.
/// </summary>
public sealed class LocalHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _workingDirectory;

    private LocalHostProcess(Process process, Uri baseUrl, string workingDirectory)
    {
        _process = process;
        BaseUrl = baseUrl;
        _workingDirectory = workingDirectory;
    }

    public Uri BaseUrl { get; }

    public int ProcessId => _process.Id;

    public static async Task<LocalHostProcess> StartAsync()
    {
        var port = FreePort();
        var baseUrl = new Uri($"http://127.0.0.1:{port}");
        var workingDirectory = Directory.CreateTempSubdirectory("ff-localhost-").FullName; // no local.settings.json here
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FrontFunctions.LocalHost.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseUrl.AbsoluteUri.TrimEnd('/'));
        start.Environment["AzureWebJobsStorage"] = TestStorage.ConnectionString;
        start.Environment["Front__AppUid"] = RunningLocalHost.AppUid;
        start.Environment["Front__AppSecret"] = RunningLocalHost.AppSecret;
        start.Environment["Front__PublicBaseUrl"] = "https://front-functions.example.net";
        start.Environment["Front__ApiBaseUrl"] = "http://127.0.0.1:9";
        start.Environment["LocalHost__FunctionKey"] = RunningLocalHost.FunctionKey;
        start.Environment["LocalHost__RunQueueListener"] = "false";
        start.Environment["LocalHost__Metrics"] = "none";
        start.Environment[FrontFunctions.Outbound.PartnerOptions.DisabledSetting] = "true";
        start.Environment["DOTNET_gcServer"] = "0"; // as a Flex instance with one core runs it, and a steadier measurement

        var process = Process.Start(start) ?? throw new InvalidOperationException("The local host did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new LocalHostProcess(process, baseUrl, workingDirectory);
        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.UntilAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The local host exited with {process.ExitCode} before it answered.");
            }

            try
            {
                return (await http.GetAsync("/api/console")).StatusCode == HttpStatusCode.OK ? "up" : null;
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }, "the local host process to answer", TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(200));
        return host;
    }

    /// <summary>The process's resident set size (VmRSS in <c>/proc/{pid}/status</c>), in bytes.</summary>
    public long ResidentBytes() => StatusBytes("VmRSS:");

    /// <summary>
    /// The process's private writable memory (VmData), in bytes: what the GC has committed, touched or not. A fresh process's
    /// large arrays land on pages the kernel has not yet backed, so they show here before they show in the resident set.
    /// </summary>
    public long DataBytes() => StatusBytes("VmData:");

    private long StatusBytes(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kib = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"No {field} line in /proc/{_process.Id}/status.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_workingDirectory, recursive: true);
    }
}
