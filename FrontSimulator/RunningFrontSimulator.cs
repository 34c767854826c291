using FrontSimulator.Control;
using Microsoft.AspNetCore.Builder;

namespace FrontSimulator;

/// <summary>A simulator started in-process by <see cref="FrontSimulatorServer.StartAsync"/>; dispose to stop it.</summary>
public sealed class RunningFrontSimulator : IAsyncDisposable
{
    private readonly WebApplication _app;

    internal RunningFrontSimulator(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Control = new SimulatorControl(baseUrl);
    }

    /// <summary>The simulator's own base URL (use it as the Front API base URL), e.g. <c>http://127.0.0.1:54321/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Typed client of the control API.</summary>
    public SimulatorControl Control { get; }

    public async ValueTask DisposeAsync()
    {
        Control.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
