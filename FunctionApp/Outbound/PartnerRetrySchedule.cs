namespace FrontFunctions.Outbound;

/// <summary>
/// When a reply whose delivery failed (after the client's in-call retries) is tried next, or that it is given up:
/// <see cref="PartnerOptions.RequeueFirstDelay"/> doubling with each re-queue up to <see cref="PartnerOptions.RequeueMaxDelay"/>,
/// ±20 % jitter (so replies queued together do not hit a recovering partner together, as Svix jitters its schedule), and
/// never past the end of <see cref="PartnerOptions.RetryWindow"/>: the last attempt is made when the window ends, and a
/// failure at or after that end gives up.
/// </summary>
public static class PartnerRetrySchedule
{
    /// <summary>The delay before the next attempt, or null when the window is over (give up).</summary>
    public static TimeSpan? NextDelay(PartnerOptions options, DateTimeOffset firstQueuedAt, int requeues, DateTimeOffset now, double random)
    {
        var windowEnd = firstQueuedAt + options.RetryWindow;
        if (now >= windowEnd)
        {
            return null;
        }

        var doubled = options.RequeueFirstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(requeues, 30));
        var capped = Math.Min(doubled, options.RequeueMaxDelay.TotalMilliseconds);
        var jittered = TimeSpan.FromMilliseconds(capped * (0.8 + (0.4 * Math.Clamp(random, 0, 1))));
        var left = windowEnd - now;
        return jittered < left ? jittered : left;
    }
}
