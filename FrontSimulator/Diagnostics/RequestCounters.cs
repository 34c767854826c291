using System.Globalization;
using FrontSimulator.Control;

namespace FrontSimulator.Diagnostics;

/// <summary>What the simulator has seen and done, for <c>GET /_sim/counters</c>.</summary>
internal sealed class RequestCounters
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Dictionary<string, long>> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _notificationStatuses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, long>> _byCompany = new(StringComparer.Ordinal);
    private long _tokensRejected, _burst429, _company429, _injected429, _errorsInjected, _dropped;
    private long _attempts, _delivered, _failedAttempts, _abandoned, _timedOut, _slowestAnswerMs, _duplicated, _reordered;

    public void Reset()
    {
        lock (_gate)
        {
            _requests.Clear();
            _byCompany.Clear();
            _notificationStatuses.Clear();
            _tokensRejected = _burst429 = _company429 = _injected429 = _errorsInjected = _dropped = 0;
            _attempts = _delivered = _failedAttempts = _abandoned = _timedOut = _slowestAnswerMs = _duplicated = _reordered = 0;
        }
    }

    public void Request(string route, string status, string? company = null)
    {
        lock (_gate)
        {
            Count(_requests, route, status);
            if (company is not null)
            {
                Count(_byCompany, company, status);
            }
        }
    }

    private static void Count(Dictionary<string, Dictionary<string, long>> counts, string key, string status)
    {
        if (!counts.TryGetValue(key, out var byStatus))
        {
            counts[key] = byStatus = new Dictionary<string, long>(StringComparer.Ordinal);
        }

        byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
    }

    public void TokenRejected() => Interlocked.Increment(ref _tokensRejected);
    public void BurstLimited() => Interlocked.Increment(ref _burst429);
    public void CompanyLimited() => Interlocked.Increment(ref _company429);
    public void Injected429() => Interlocked.Increment(ref _injected429);
    public void ErrorInjected() => Interlocked.Increment(ref _errorsInjected);
    public void ConnectionDropped() => Interlocked.Increment(ref _dropped);
    public void NotificationAbandoned() => Interlocked.Increment(ref _abandoned);
    public void NotificationTimedOut() => Interlocked.Increment(ref _timedOut);
    public void NotificationDuplicated() => Interlocked.Increment(ref _duplicated);
    public void NotificationReordered() => Interlocked.Increment(ref _reordered);

    /// <summary>How long an attempt that got an HTTP answer waited for it.</summary>
    public void NotificationAnswered(TimeSpan elapsed)
    {
        lock (_gate)
        {
            _slowestAnswerMs = Math.Max(_slowestAnswerMs, (long)elapsed.TotalMilliseconds);
        }
    }

    /// <summary>One webhook attempt: its status code, or null when no HTTP answer came back.</summary>
    public void NotificationAttempt(int? status)
    {
        lock (_gate)
        {
            _attempts++;
            if (status is >= 200 and < 300)
            {
                _delivered++;
            }
            else
            {
                _failedAttempts++;
            }

            var key = status?.ToString(CultureInfo.InvariantCulture) ?? "error";
            _notificationStatuses[key] = _notificationStatuses.GetValueOrDefault(key) + 1;
        }
    }

    public SimulatorCounters Snapshot()
    {
        lock (_gate)
        {
            long burst = Interlocked.Read(ref _burst429), company = Interlocked.Read(ref _company429), injected = Interlocked.Read(ref _injected429);
            return new SimulatorCounters
            {
                Requests = _requests.ToDictionary(r => r.Key, r => new Dictionary<string, long>(r.Value), StringComparer.Ordinal),
                ByCompany = _byCompany.ToDictionary(r => r.Key, r => new Dictionary<string, long>(r.Value), StringComparer.Ordinal),
                TokensRejected = Interlocked.Read(ref _tokensRejected),
                RateLimited = new RateLimitCounters { Burst = burst, Company = company, Injected = injected, Total = burst + company + injected },
                Faults = new FaultCounters { ErrorsInjected = Interlocked.Read(ref _errorsInjected), ConnectionsDropped = Interlocked.Read(ref _dropped) },
                Notifications = new NotificationCounters
                {
                    Attempts = _attempts,
                    Delivered = _delivered,
                    FailedAttempts = _failedAttempts,
                    Abandoned = Interlocked.Read(ref _abandoned),
                    ByStatus = new Dictionary<string, long>(_notificationStatuses, StringComparer.Ordinal),
                    TimedOut = Interlocked.Read(ref _timedOut),
                    SlowestAnswerMs = _slowestAnswerMs,
                    Duplicated = Interlocked.Read(ref _duplicated),
                    Reordered = Interlocked.Read(ref _reordered),
                },
            };
        }
    }
}
