namespace FrontSimulator;

/// <summary>
/// Start-up settings of a simulator. Everything marked "runtime" can be changed later through the control API (/_sim/…);
/// <c>POST /_sim/reset</c> restores these values. Bound from the configuration section <c>Simulator</c>
/// (e.g. <c>--Simulator:CompanyHost=https://acme.api.frontapp.com</c>).
/// </summary>
public sealed class SimulatorOptions
{
    /// <summary>Host used in every <c>_links</c> URL (Front answers with the company's own API host).</summary>
    public string CompanyHost { get; set; } = "https://acme.api.frontapp.com";

    /// <summary>A non-channel ("core API") bearer token: sees every channel, never gets the channel-only metadata.</summary>
    public string CompanyApiToken { get; set; } = "sim-company-api-token";

    /// <summary>Runtime: company budget of requests per minute (Front plans: 50 / 100 / 200).</summary>
    public int RequestsPerMinute { get; set; } = 100;

    /// <summary>Runtime: burst limit, requests per second per channel.</summary>
    public int BurstPerSecond { get; set; } = 5;

    /// <summary>Runtime: delay between the 202 of an import and the message existing (GET by id / alt:uid).</summary>
    public int ImportDelayMs { get; set; } = 200;

    /// <summary>Runtime: delay between the message existing and its <c>message_imported</c> notification.</summary>
    public int NotificationDelayMs { get; set; } = 100;

    /// <summary>Runtime: whether the notification payload carries <c>metadata.external_id</c> (UNCONFIRMED in Front).</summary>
    public bool IncludeExternalId { get; set; }

    /// <summary>Runtime: whether the notification payload carries <c>message_uid</c> (UNCONFIRMED in Front).</summary>
    public bool IncludeMessageUid { get; set; }

    /// <summary>Runtime: delivery attempts per notification (first try included) while the webhook answers non-2xx.</summary>
    public int NotificationMaxAttempts { get; set; } = 4;

    /// <summary>Runtime: delay before the first retry; doubles on each further retry.</summary>
    public int NotificationRetryBaseDelayMs { get; set; } = 200;

    /// <summary>Longest accepted channel-token lifetime: <c>exp</c> may be at most this far in the future.</summary>
    public int MaxTokenLifetimeSeconds { get; set; } = 30;

    /// <summary>Seed of the fault-injection random generator; null = unpredictable.</summary>
    public int? RandomSeed { get; set; }
}
