using Microsoft.Extensions.Hosting;

namespace FrontSimulator.Model;

/// <summary>
/// Cancellation for the simulator's background work (delayed imports, notifications): cancelled when the host stops
/// and renewed by <c>POST /_sim/reset</c>, so nothing scheduled before a reset fires after it.
/// </summary>
internal sealed class SimulatorLifetime : IDisposable
{
    private readonly object _gate = new();
    private CancellationTokenSource _current;
    private readonly CancellationTokenRegistration _stopping;

    public SimulatorLifetime(IHostApplicationLifetime host)
    {
        _current = new CancellationTokenSource();
        _stopping = host.ApplicationStopping.Register(() =>
        {
            lock (_gate)
            {
                _current.Cancel();
            }
        });
    }

    public CancellationToken Token
    {
        get
        {
            lock (_gate)
            {
                return _current.Token;
            }
        }
    }

    public void Renew()
    {
        lock (_gate)
        {
            _current.Cancel();
            _current.Dispose();
            _current = new CancellationTokenSource();
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        lock (_gate)
        {
            _current.Cancel();
            _current.Dispose();
        }
    }
}
