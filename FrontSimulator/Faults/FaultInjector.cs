using FrontSimulator.Control;

namespace FrontSimulator.Faults;

/// <summary>The fault, if any, chosen for one Front API request.</summary>
internal enum InjectedFault
{
    None,
    DropConnection,
    TooManyRequests,
    ServerError,
}

/// <summary>Injects latency (constant and spikes), dropped connections, 429 bursts and 5xx answers into the Front API (never into /_sim).</summary>
internal sealed class FaultInjector(SimulatorOptions options)
{
    private static readonly int[] ServerErrors = [500, 502, 503];
    private readonly object _gate = new();
    private readonly Random _random = options.RandomSeed is { } seed ? new Random(seed) : new Random();
    private double _errorRate, _dropRate, _spikeRate;
    private int _latencyMs, _pending429, _spikeMs, _importAnswerDelayMs;
    private string _importAnswer = ImportAnswerFaults.None;

    public void Reset() => Update(new FaultSettings
    {
        ErrorRate = 0, DropRate = 0, LatencyMs = 0, Burst429 = 0, SpikeRate = 0, SpikeMs = 0, ImportAnswer = ImportAnswerFaults.None, ImportAnswerDelayMs = 0,
    });

    public void Update(FaultSettings change)
    {
        lock (_gate)
        {
            _errorRate = change.ErrorRate ?? _errorRate;
            _dropRate = change.DropRate ?? _dropRate;
            _latencyMs = change.LatencyMs ?? _latencyMs;
            _pending429 = change.Burst429 ?? _pending429;
            _spikeRate = change.SpikeRate ?? _spikeRate;
            _spikeMs = change.SpikeMs ?? _spikeMs;
            _importAnswer = change.ImportAnswer ?? _importAnswer;
            _importAnswerDelayMs = change.ImportAnswerDelayMs ?? _importAnswerDelayMs;
        }
    }

    /// <summary>What happens to the answer of an import the simulator accepted (<see cref="ImportAnswerFaults"/>).</summary>
    public (string Fault, TimeSpan Delay) ImportAnswerFault()
    {
        lock (_gate)
        {
            return (_importAnswer, TimeSpan.FromMilliseconds(_importAnswerDelayMs));
        }
    }

    public FaultSettings Current
    {
        get
        {
            lock (_gate)
            {
                return new FaultSettings
                {
                    ErrorRate = _errorRate, DropRate = _dropRate, LatencyMs = _latencyMs, Burst429 = _pending429, SpikeRate = _spikeRate, SpikeMs = _spikeMs,
                    ImportAnswer = _importAnswer, ImportAnswerDelayMs = _importAnswerDelayMs,
                };
            }
        }
    }

    /// <summary>
    /// Decides the fault of one request: its latency (the constant part, plus a spike for a <c>spike_rate</c> share), then
    /// drop, pending 429 or 5xx (status in the tuple).
    /// </summary>
    public (TimeSpan Latency, InjectedFault Fault, int Status) Next()
    {
        lock (_gate)
        {
            var spike = _spikeRate > 0 && _random.NextDouble() < _spikeRate ? _spikeMs : 0;
            var latency = TimeSpan.FromMilliseconds(_latencyMs + spike);
            if (_dropRate > 0 && _random.NextDouble() < _dropRate)
            {
                return (latency, InjectedFault.DropConnection, 0);
            }

            if (_pending429 > 0)
            {
                _pending429--;
                return (latency, InjectedFault.TooManyRequests, 429);
            }

            if (_errorRate > 0 && _random.NextDouble() < _errorRate)
            {
                return (latency, InjectedFault.ServerError, ServerErrors[_random.Next(ServerErrors.Length)]);
            }

            return (latency, InjectedFault.None, 0);
        }
    }
}

/// <summary>The values of <see cref="FaultSettings.ImportAnswer"/>.</summary>
public static class ImportAnswerFaults
{
    public const string None = "none";
    public const string Drop = "drop";
    public const string Delay = "delay";

    public static bool IsKnown(string? value) => value is null or None or Drop or Delay;
}
