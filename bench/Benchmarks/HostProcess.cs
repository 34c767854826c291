using System.Diagnostics;

namespace FrontFunctions.Benchmarks;

/// <summary>The local host as a separate process on a fixed port, its console written to one log file per generation.</summary>
internal sealed class HostProcess(string dll, string workDir, int port, string logDir, Dictionary<string, string> environment) : IAsyncDisposable
{
    private readonly List<string> _logs = [];
    private Process? _process;
    private StreamWriter? _log;

    public int Generation => _logs.Count - 1;
    public IReadOnlyList<string> Generations => _logs;

    /// <summary>The running host's process id (null before the first start), for sampling /proc/&lt;pid&gt;.</summary>
    public int? Pid => _process?.Id;

    /// <summary>True once the running host's process has ended (it stopped or crashed), false before it started.</summary>
    public bool HasExited => _process?.HasExited ?? false;

    public async Task StartAsync(HttpClient http)
    {
        var file = Path.Combine(logDir, $"host-{_logs.Count}.log");
        _logs.Add(file);
        var log = new StreamWriter(file) { AutoFlush = true };
        _log = log;
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the local host exited with {process.ExitCode} before answering; see {file}");
            }

            try
            {
                using var response = await http.GetAsync("api/console");
                return;
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(200);
            }
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>SIGKILL (Process.Kill on Linux): no shutdown, no cleanup, as an instance recycled mid-message.</summary>
    public void Kill()
    {
        _process!.Kill();
        _process.WaitForExit();
        CloseLog();
    }

    private void CloseLog()
    {
        if (_log is { } log)
        {
            lock (log)
            {
                log.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } p)
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill();
                    await p.WaitForExitAsync();
                }
            }
            catch (InvalidOperationException)
            {
            }

            p.Dispose();
        }

        CloseLog();
    }
}
