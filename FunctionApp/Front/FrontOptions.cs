using System.ComponentModel.DataAnnotations;

namespace FrontFunctions.Front;

/// <summary>
/// Settings of the Front app this deployment serves, bound from the <c>Front</c> section
/// (app settings <c>Front__AppSecret</c> and so on). Validated at start-up so a missing secret
/// stops the app with the setting's name instead of failing the first webhook.
/// </summary>
public sealed class FrontOptions
{
    public const string SectionName = "Front";

    /// <summary>Base URL of Front's API (Channel API and Core API share it).</summary>
    [Required(ErrorMessage = "Front__ApiBaseUrl must be an absolute URL (default https://api2.frontapp.com).")]
    public Uri ApiBaseUrl { get; set; } = new("https://api2.frontapp.com");

    /// <summary>The App UID from Front's developer settings; the <c>iss</c> of channel tokens.</summary>
    [Required(ErrorMessage = "Front__AppUid is not set: copy the App UID from Front's developer settings.")]
    public string AppUid { get; set; } = "";

    /// <summary>The App secret: signs Front's webhooks and our channel tokens.</summary>
    [Required(ErrorMessage = "Front__AppSecret is not set: copy the App secret from Front's developer settings.")]
    [ResolvedSecret("Front__AppSecret")]
    public string AppSecret { get; set; } = "";

    /// <summary>The secret before a rotation; webhooks signed with it are still accepted while it is set.</summary>
    [ResolvedSecret("Front__PreviousAppSecret")]
    public string? PreviousAppSecret { get; set; }

    /// <summary>Public base URL of this app, used to build the per-channel webhook URL answered to <c>authorization</c>.</summary>
    [Required(ErrorMessage = "Front__PublicBaseUrl is not set: give the public https URL of this function app.")]
    public Uri PublicBaseUrl { get; set; } = null!;

    /// <summary>How far a webhook's timestamp may be from now (Front recommends 5 minutes).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Front__SignatureTolerance must be between 1 second and 1 hour.")]
    public TimeSpan SignatureTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Lifetime of a channel token. Front rejects tokens that expire more than 30 s ahead.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:00:30", ErrorMessage = "Front__TokenLifetime must be between 1 and 30 seconds.")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Refuses a secret that is still an App Service Key Vault reference (<c>@Microsoft.KeyVault(...)</c>). When App Service
/// cannot resolve a reference (the identity's role not yet propagated, the vault unreachable, a wrong URI) it hands the
/// app the reference text itself; <see cref="RequiredAttribute"/> accepts that, and every webhook would then fail its
/// signature. Failing at start-up names the setting instead. The message never contains the value.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ResolvedSecretAttribute(string settingName) : ValidationAttribute
{
    private const string ReferencePrefix = "@Microsoft.KeyVault(";

    public static bool IsUnresolvedReference(string? value) =>
        value is not null && value.TrimStart().StartsWith(ReferencePrefix, StringComparison.OrdinalIgnoreCase);

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        IsUnresolvedReference(value as string)
            ? new ValidationResult(
                $"{settingName} is an unresolved Key Vault reference: App Service passed the @Microsoft.KeyVault(...) text " +
                "instead of the secret. Check the reference status (portal: function app > Settings > Environment variables), " +
                "the identity's Key Vault Secrets User role and network access to the vault, then refresh the references " +
                "(infra/README.md, \"Key Vault references\").",
                [validationContext.MemberName ?? settingName])
            : ValidationResult.Success;
}
