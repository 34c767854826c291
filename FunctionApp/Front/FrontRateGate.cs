using System.Collections.Concurrent;
using FrontFunctions.Caching;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Front;

/// <summary>One company's view of the gate, for the operator console and charts.</summary>
public sealed record FrontCompanyGateSnapshot(string Company, FrontRateGateSnapshot Usage);

/// <summary>
/// The one gate every Front API attempt passes (a singleton): a <see cref="FrontCompanyGate"/> per Front company, because
/// Front's limit is per company and one app is installed in many. A channel's company is learned from Front's own answers
/// (<see cref="FrontCompanies"/>: the company host in links, <c>x-ratelimit-limit</c> for its size), remembered per channel
/// (in memory, and with the shared budget on in a row every instance reads), and each company's gate paces to that company's
/// limit (with the shared budget on, its own bucket row). Channels whose company is not known yet, and calls that know no
/// channel, share the <see cref="UnknownCompany"/> gate, paced at <c>Front__RequestsPerMinute</c> until an answer names
/// their company. A busy company then waits on its own limit and never on another's.
/// </summary>
public sealed class FrontRateGate : IDisposable
{
    /// <summary>The gate of channels whose company is not known yet (not a host label, so no company can be named so).</summary>
    public const string UnknownCompany = "_unknown";

    private static readonly TimeSpan UnknownRecheck = TimeSpan.FromSeconds(30);
    private readonly FrontApiOptions _options;
    private readonly TimeProvider _time;
    private readonly SharedFrontBudget? _shared;
    private readonly FrontCompanyGate _unknown;
    private readonly ConcurrentDictionary<string, FrontCompanyGate> _companies = new(StringComparer.Ordinal);
    // Which company a channel belongs to (Company null: not known yet, ask storage again after RecheckTicks). Safe across
    // instances: a channel's company never changes, and a forgotten one is read again from its FrontBudget row.
    private readonly BoundedMemory<string, (string? Company, long RecheckTicks)> _channels;
    private readonly ConcurrentBag<FrontCompanyGate> _retired = []; // gates replaced when a company's limit changed
    private readonly object _resizeLock = new();

    public FrontRateGate(IOptions<FrontApiOptions> options, TimeProvider time, SharedFrontBudget? shared = null)
    {
        _options = options.Value;
        _time = time;
        _shared = shared is { Enabled: true } ? shared : null;
        _unknown = new FrontCompanyGate(_options, UnknownCompany, _options.RequestsPerMinute, time, _shared);
        _channels = new BoundedMemory<string, (string? Company, long RecheckTicks)>(time, 100_000, TimeSpan.FromHours(6));
    }

    /// <summary>Waits in the gate of channels whose company is unknown (a call that knows no channel).</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken) => _unknown.WaitAsync(cancellationToken);

    /// <summary>Waits in the gate of <paramref name="channelId"/>'s company; returns the company the call counts against.</summary>
    public async ValueTask<string> WaitAsync(string? channelId, CancellationToken cancellationToken)
    {
        var gate = await GateForAsync(channelId, cancellationToken).ConfigureAwait(false);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (gate == _unknown && channelId is not null && CompanyOf(channelId) is { } learned)
        {
            // The company became known while this call queued in the unknown gate: it also takes its turn in its company's
            // gate, so the company's budget counts it (measured without this: calls left through the unknown bucket on top
            // of their company's, 22 429s a minute at 200 rpm).
            gate = CompanyGate(learned, null);
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return gate.Company;
    }

    /// <summary>Reads Front's rate-limit headers into the gate of channels whose company is unknown.</summary>
    public void Observe(HttpResponseMessage response) => _unknown.Observe(response);

    /// <summary>
    /// Learns <paramref name="channelId"/>'s company from the answer when it is not known yet (and its limit from
    /// <c>x-ratelimit-limit</c>), then lets that company's gate read Front's headers. Returns the company. A call that was
    /// counted against <see cref="UnknownCompany"/> (<paramref name="countedAgainst"/>, what <see cref="WaitAsync(string?, CancellationToken)"/>
    /// returned) and whose answer names its company is charged to that company's budget too: its shared bucket
    /// (<see cref="SharedFrontBudget.ChargeAsync"/>), else a token of its local one when there is one.
    /// </summary>
    public async ValueTask<string> ObserveAsync(string? channelId, HttpResponseMessage response, CancellationToken cancellationToken, string? countedAgainst = null)
    {
        var company = await LearnAsync(channelId, response, cancellationToken).ConfigureAwait(false);
        // A 429 is not charged: Front counts refused requests against nothing.
        if (countedAgainst == UnknownCompany && company != UnknownCompany && (int)response.StatusCode != 429 && _companies.TryGetValue(company, out var gate))
        {
            if (_shared is not null)
            {
                await _shared.ChargeAsync(company, gate.LimitPerMinute, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                gate.TakeTokenIfAny();
            }
        }

        return company;
    }

    private async ValueTask<string> LearnAsync(string? channelId, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var gate = _unknown;
        if (channelId is not null)
        {
            var limit = FrontCompanies.LimitOf(response);
            var known = _channels.TryGet(channelId, out var entry) ? entry.Company : null;
            var company = known ?? await FrontCompanies.FromResponseAsync(response, cancellationToken).ConfigureAwait(false);
            if (company is not null)
            {
                var before = _companies.GetValueOrDefault(company)?.LimitPerMinute;
                gate = CompanyGate(company, limit);
                if (known is null || before != gate.LimitPerMinute)
                {
                    _channels.Set(channelId, (company, 0));
                    if (_shared is not null)
                    {
                        await _shared.WriteChannelAsync(channelId, new ChannelCompany(company, limit), cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        gate.Observe(response);
        return gate.Company;
    }

    /// <summary>The company <paramref name="channelId"/> belongs to as far as this instance knows (null: unknown).</summary>
    public string? CompanyOf(string channelId) => _channels.TryGet(channelId, out var entry) ? entry.Company : null;

    private async ValueTask<FrontCompanyGate> GateForAsync(string? channelId, CancellationToken cancellationToken)
    {
        if (channelId is null)
        {
            return _unknown;
        }

        if (_channels.TryGet(channelId, out var entry)
            && (entry.Company is not null || _shared is null || entry.RecheckTicks > _time.GetUtcNow().UtcTicks))
        {
            return entry.Company is { } known ? CompanyGate(known, null) : _unknown;
        }

        if (_shared is not null && await _shared.ReadChannelAsync(channelId, cancellationToken).ConfigureAwait(false) is { } row)
        {
            _channels.Set(channelId, (row.Company, 0));
            return CompanyGate(row.Company, row.LimitPerMinute);
        }

        _channels.Set(channelId, (null, (_time.GetUtcNow() + UnknownRecheck).UtcTicks)); // ask storage again later, not per call
        return _unknown;
    }

    /// <summary>The company's gate, created at <paramref name="limit"/> (else the default) or replaced when Front reports another limit.</summary>
    private FrontCompanyGate CompanyGate(string company, int? limit)
    {
        if (_companies.TryGetValue(company, out var gate) && (limit is null || gate.LimitPerMinute == limit))
        {
            return gate;
        }

        lock (_resizeLock)
        {
            if (_companies.TryGetValue(company, out gate) && (limit is null || gate.LimitPerMinute == limit))
            {
                return gate;
            }

            var fresh = new FrontCompanyGate(_options, company, limit ?? _options.RequestsPerMinute, _time, _shared);
            if (gate is not null)
            {
                _retired.Add(gate); // callers already queued in it leave from it; disposed with the gate
            }

            _companies[company] = fresh;
            return fresh;
        }
    }

    private IEnumerable<FrontCompanyGate> All => [_unknown, .. _companies.Values, .. _retired];

    /// <summary>Until when calls of channels whose company is unknown are held (in the past when open).</summary>
    public DateTimeOffset PausedUntil => _unknown.PausedUntil;

    /// <summary>How many requests (attempts, retries included) the gate has let through, every company together.</summary>
    public long RequestsPassed => All.Sum(g => g.RequestsPassed);

    /// <summary>How many 429 answers this process has seen, every company together.</summary>
    public int ThrottledResponses => All.Sum(g => g.ThrottledResponses);

    /// <summary>Whether calls take tokens from the shared budget (false when it is off, or any company's gate is falling back).</summary>
    public bool SharedBudgetActive => _shared is not null && _companies.Values.Append(_unknown).All(g => g.SharedBudgetActive);

    /// <summary>Calls that passed on a fallback because storage was failing (shared budget on), every company together.</summary>
    public long SharedBudgetFallbacks => All.Sum(g => g.SharedBudgetFallbacks);

    internal long QueuedForToken => _unknown.QueuedForToken;

    internal int HeldByPause => _unknown.HeldByPause;

    internal int HeldByRelease => _unknown.HeldByRelease;

    /// <summary>Every company's gate: the unknown one first, then the companies by name.</summary>
    public IReadOnlyList<FrontCompanyGateSnapshot> CompanySnapshots() =>
        [.. _companies.Values.OrderBy(g => g.Company, StringComparer.Ordinal).Prepend(_unknown).Select(g => new FrontCompanyGateSnapshot(g.Company, g.Snapshot()))];

    /// <summary>
    /// The gate as one: limits and counts summed over the companies (the unknown gate's limit counts only while no company is
    /// known), the latest 429 and the latest pause.
    /// </summary>
    public FrontRateGateSnapshot Snapshot()
    {
        var parts = All.Select(g => g.Snapshot()).ToList();
        var known = _companies.Values.ToList();
        return new FrontRateGateSnapshot(
            known.Count == 0 ? _unknown.LimitPerMinute : known.Sum(g => g.LimitPerMinute),
            parts.Sum(p => p.RequestsLastMinute),
            parts.Sum(p => p.RequestsPassed),
            parts.Sum(p => p.ThrottledResponses),
            parts.Max(p => p.LastThrottledAt),
            parts.Max(p => p.PausedUntil));
    }

    public void Dispose()
    {
        foreach (var gate in All)
        {
            gate.Dispose();
        }

        _channels.Dispose();
    }
}
