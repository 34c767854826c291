using Microsoft.Extensions.Options;

namespace FrontFunctions.Outbound;

/// <summary>
/// Where and how outbound messages are delivered to the partner system (section <c>Partner</c>: <c>Partner__OutboundUrl</c>
/// and so on). Without <see cref="OutboundUrl"/> nothing is delivered: the messages stay on <c>front-outbound</c> for the
/// partner's own consumer, and the delivery function must be disabled (<see cref="DisabledSetting"/> = true).
/// </summary>
public sealed class PartnerOptions
{
    public const string SectionName = "Partner";

    /// <summary>The app setting that disables the delivery function, as the Functions host and WebJobs SDK read it (Linux form).</summary>
    public const string DisabledSetting = "AzureWebJobs_" + DeliveryFunctionName + "_Disabled";

    public const string DeliveryFunctionName = "DeliverOutboundMessage";

    public const string SecretPrefix = "whsec_";

    /// <summary>
    /// The partner's endpoint for outbound message events: an absolute https URL (http only for a loopback host, for local
    /// runs and tests); empty = no delivery. Redirects are never followed (a 3xx fails the reply).
    /// </summary>
    public string? OutboundUrl { get; set; }

    /// <summary><see cref="OutboundUrl"/> as a URI, or null when it is empty (validated at start-up).</summary>
    public Uri? Endpoint => string.IsNullOrWhiteSpace(OutboundUrl) ? null : new Uri(OutboundUrl, UriKind.Absolute);

    /// <summary>The Standard Webhooks signing secret: <c>whsec_</c> + base64 of 24 to 64 random bytes.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>Retries within one delivery attempt of 5xx, 408, 429 (after its <c>retry-after</c>) and timeouts.</summary>
    public int MaxRetries { get; set; } = 3;

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long after it was first queued a reply is still tried: after the in-call retries fail (5xx, 408, 429, no answer)
    /// it is queued again, visible after a growing delay (<see cref="RequeueFirstDelay"/> doubling up to
    /// <see cref="RequeueMaxDelay"/>, ±20 % jitter); once the window is over it is given up (failure row, poison queue,
    /// Front told the message failed). Default 24 hours.
    /// </summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The delay before the first re-queued attempt (default 1 minute).</summary>
    public TimeSpan RequeueFirstDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest delay between re-queued attempts (default 30 minutes).</summary>
    public TimeSpan RequeueMaxDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The key bytes of <see cref="SigningSecret"/> (validated at start-up).</summary>
    public byte[] SigningKey() => Convert.FromBase64String(SigningSecret![SecretPrefix.Length..]);
}

/// <summary>Start-up validation of <see cref="PartnerOptions"/>: each problem names its setting.</summary>
public sealed class PartnerOptionsValidator : IValidateOptions<PartnerOptions>
{
    public ValidateOptionsResult Validate(string? name, PartnerOptions options)
    {
        var problems = new List<string>();
        var hasUrl = !string.IsNullOrWhiteSpace(options.OutboundUrl);
        Uri? url = null;
        if (hasUrl && (!Uri.TryCreate(options.OutboundUrl, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
        {
            problems.Add("Partner__OutboundUrl must be an absolute https URL.");
        }
        else if (hasUrl && url!.Scheme == "http" && !url.IsLoopback)
        {
            problems.Add("Partner__OutboundUrl must be https (http is accepted only for a loopback host such as 127.0.0.1 or localhost): the events carry message bodies and are signed.");
        }

        if (hasUrl || !string.IsNullOrEmpty(options.SigningSecret))
        {
            if (string.IsNullOrEmpty(options.SigningSecret))
            {
                problems.Add("Partner__SigningSecret is required with Partner__OutboundUrl (whsec_ + base64 of 24 to 64 random bytes).");
            }
            else if (!IsSecret(options.SigningSecret))
            {
                problems.Add("Partner__SigningSecret must be whsec_ followed by the base64 of 24 to 64 random bytes.");
            }
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            problems.Add("Partner__MaxRetries must be between 0 and 10.");
        }

        if (options.RetryBaseDelay < TimeSpan.FromMilliseconds(1) || options.RetryBaseDelay > TimeSpan.FromMinutes(1))
        {
            problems.Add("Partner__RetryBaseDelay must be between 1 ms and 1 minute.");
        }

        if (options.AttemptTimeout < TimeSpan.FromMilliseconds(10) || options.AttemptTimeout > TimeSpan.FromMinutes(2))
        {
            problems.Add("Partner__AttemptTimeout must be between 10 ms and 2 minutes.");
        }

        if (options.TotalTimeout < options.AttemptTimeout || options.TotalTimeout > TimeSpan.FromMinutes(9))
        {
            problems.Add("Partner__TotalTimeout must be at least Partner__AttemptTimeout and at most 9 minutes.");
        }

        if (options.RetryWindow < TimeSpan.Zero || options.RetryWindow > TimeSpan.FromDays(7))
        {
            problems.Add("Partner__RetryWindow must be between 0 and 7 days.");
        }

        if (options.RequeueFirstDelay < TimeSpan.FromMilliseconds(100) || options.RequeueFirstDelay > TimeSpan.FromHours(1))
        {
            problems.Add("Partner__RequeueFirstDelay must be between 100 ms and 1 hour.");
        }

        if (options.RequeueMaxDelay < options.RequeueFirstDelay || options.RequeueMaxDelay > TimeSpan.FromDays(1))
        {
            problems.Add("Partner__RequeueMaxDelay must be at least Partner__RequeueFirstDelay and at most 1 day.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static bool IsSecret(string secret)
    {
        if (!secret.StartsWith(PartnerOptions.SecretPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var buffer = new byte[secret.Length];
        return Convert.TryFromBase64String(secret[PartnerOptions.SecretPrefix.Length..], buffer, out var length) && length is >= 24 and <= 64;
    }
}
