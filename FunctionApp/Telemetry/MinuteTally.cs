namespace FrontFunctions.Telemetry;

/// <summary>The per-minute series the operator console charts (one count each per minute and instance).</summary>
public enum MinuteSeries
{
    /// <summary><c>message_imported</c> notifications Front sent that the webhook accepted (2xx).</summary>
    NotificationsIn,

    /// <summary>Messages mapped by a notification or an overdue import check (<c>front.messages.mapped</c>).</summary>
    Mapped,

    /// <summary>Teammates' replies delivered to the partner (<c>front.partner.deliveries</c>, outcome <c>delivered</c>).</summary>
    RepliesDelivered,
}

/// <summary>
/// This instance's counts for the console, kept in memory by <see cref="FrontMetrics"/> (the one place the app counts) and
/// written to table <c>FrontConsole</c> by <see cref="ConsoleStatsWriter"/> every few seconds: per minute the series of
/// <see cref="MinuteSeries"/> and Front calls / 429s per company (cumulative for that minute: the writer replaces the
/// instance's row), and per channel the message rows added to the id map since the last write (a delta the writer adds to
/// the channel's counter row). Nothing here is per message beyond a dictionary update under a lock.
/// </summary>
public sealed class MinuteTally(TimeProvider time)
{
    /// <summary>At most this many companies per minute are told apart; the rest count under <see cref="OtherCompany"/>.</summary>
    public const int MaxCompanies = 100;

    public const string OtherCompany = "other";

    private readonly Lock _lock = new();
    private readonly Dictionary<long, MinuteCounts> _minutes = [];
    private Dictionary<string, ChannelDelta> _channels = new(StringComparer.Ordinal);

    /// <summary>The minute (Unix minutes, UTC) <paramref name="at"/> falls in.</summary>
    public static long MinuteOf(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60;

    public void Count(MinuteSeries series, long n = 1)
    {
        lock (_lock)
        {
            var counts = Current();
            counts.Series[(int)series] += n;
            counts.Dirty = true;
        }
    }

    /// <summary>One attempt at Front's API for <paramref name="company"/>; <paramref name="throttled"/>: Front answered 429.</summary>
    public void FrontCall(string company, bool throttled)
    {
        lock (_lock)
        {
            var counts = Current();
            if (!counts.Companies.ContainsKey(company) && counts.Companies.Count >= MaxCompanies)
            {
                company = OtherCompany;
            }

            var (calls, throttles) = counts.Companies.GetValueOrDefault(company);
            counts.Companies[company] = (calls + 1, throttles + (throttled ? 1 : 0));
            counts.Dirty = true;
        }
    }

    /// <summary>A message row (<c>fm|</c>) was added to the id map of <paramref name="channelId"/>.</summary>
    public void MessageStored(string channelId)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var delta = _channels.GetValueOrDefault(channelId);
            _channels[channelId] = new ChannelDelta(delta.Messages + 1, now);
        }
    }

    /// <summary>
    /// What changed since the last call: each minute with new counts (its whole count so far) and each channel's delta
    /// (taken: give it back with <see cref="Return"/> when it could not be written). Minutes older than two are forgotten
    /// once taken.
    /// </summary>
    public (IReadOnlyList<MinuteRow> Minutes, IReadOnlyDictionary<string, ChannelDelta> Channels) Take()
    {
        var current = MinuteOf(time.GetUtcNow());
        lock (_lock)
        {
            var rows = new List<MinuteRow>();
            foreach (var (minute, counts) in _minutes)
            {
                if (counts.Dirty)
                {
                    rows.Add(new MinuteRow(minute, [.. counts.Series], new Dictionary<string, (long, long)>(counts.Companies, StringComparer.Ordinal)));
                    counts.Dirty = false;
                }
            }

            foreach (var old in _minutes.Keys.Where(m => m < current - 2 && !_minutes[m].Dirty).ToList())
            {
                _minutes.Remove(old);
            }

            var channels = _channels;
            _channels = new Dictionary<string, ChannelDelta>(StringComparer.Ordinal);
            return (rows, channels);
        }
    }

    /// <summary>Gives back a minute whose row could not be written (written again next time).</summary>
    public void Return(long minute)
    {
        lock (_lock)
        {
            if (_minutes.TryGetValue(minute, out var counts))
            {
                counts.Dirty = true;
            }
        }
    }

    /// <summary>Gives back a channel delta that could not be written (added to what was counted since).</summary>
    public void Return(string channelId, ChannelDelta delta)
    {
        lock (_lock)
        {
            var now = _channels.GetValueOrDefault(channelId);
            _channels[channelId] = new ChannelDelta(now.Messages + delta.Messages, Max(now.LastStoredAt, delta.LastStoredAt));
        }
    }

    private MinuteCounts Current()
    {
        var minute = MinuteOf(time.GetUtcNow());
        if (!_minutes.TryGetValue(minute, out var counts))
        {
            counts = new MinuteCounts();
            _minutes[minute] = counts;
        }

        return counts;
    }

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private sealed class MinuteCounts
    {
        public readonly long[] Series = new long[Enum.GetValues<MinuteSeries>().Length];
        public readonly Dictionary<string, (long Calls, long Throttled)> Companies = new(StringComparer.Ordinal);
        public bool Dirty;
    }
}

/// <summary>One minute of one instance's counts (indexed by <see cref="MinuteSeries"/>), and Front calls / 429s per company.</summary>
public sealed record MinuteRow(long Minute, long[] Series, IReadOnlyDictionary<string, (long Calls, long Throttled)> Companies);

/// <summary>Message rows added to a channel's map since the last write, and when the last was.</summary>
public readonly record struct ChannelDelta(long Messages, DateTimeOffset? LastStoredAt);
