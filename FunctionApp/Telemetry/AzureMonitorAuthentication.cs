using Azure.Core;
using Azure.Identity;

namespace FrontFunctions.Telemetry;

/// <summary>
/// The credential for the Azure Monitor exporter from <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>, the setting the
/// Application Insights SDK reads for Entra authentication (infra sets <c>ClientId=&lt;identity&gt;;Authorization=AAD</c>):
/// the same identity signs both. Null (instrumentation key only) when the setting is absent or not <c>Authorization=AAD</c>.
/// </summary>
public static class AzureMonitorAuthentication
{
    public const string Setting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public static TokenCredential? CredentialFrom(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var kind) || !string.Equals(kind, "AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
