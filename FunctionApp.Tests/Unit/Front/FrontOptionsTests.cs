using FrontFunctions.Front;
using FrontFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FrontFunctions.Tests.Unit.Front;

/// <summary>
/// A Key Vault reference App Service could not resolve reaches the app as its own text (<c>@Microsoft.KeyVault(...)</c>);
/// start-up validation must refuse it, naming the setting, instead of running with it as the secret.
/// </summary>
public sealed class FrontOptionsTests
{
    private const string Unresolved = "@Microsoft.KeyVault(SecretUri=https://kv-test.vault.azure.net/secrets/front-app-secret/0123456789abcdef)";

    [Theory]
    [InlineData("Front:AppSecret", Unresolved, "Front__AppSecret")]
    [InlineData("Front:PreviousAppSecret", Unresolved, "Front__PreviousAppSecret")]
    [InlineData("Front:AppSecret", "  @microsoft.keyvault(VaultName=kv-test;SecretName=front-app-secret)", "Front__AppSecret")]
    public async Task An_unresolved_Key_Vault_reference_stops_the_app_naming_the_setting(string key, string value, string named)
    {
        await using var host = FrontTestHost.Create(withStorage: false, settings: new Dictionary<string, string?> { [key] = value });

        var e = Assert.Throws<OptionsValidationException>(() => host.Get<IOptions<FrontOptions>>().Value);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.Contains("Key Vault reference", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Front:AppSecret", "a-real-secret-with-@Microsoft.KeyVault(-inside")]
    [InlineData("Front:PreviousAppSecret", "")]
    [InlineData("Front:PreviousAppSecret", "the-old-secret")]
    public async Task Resolved_or_empty_secrets_are_accepted(string key, string value)
    {
        await using var host = FrontTestHost.Create(withStorage: false, settings: new Dictionary<string, string?> { [key] = value });

        Assert.Equal(value, key.EndsWith("PreviousAppSecret", StringComparison.Ordinal)
            ? host.Get<IOptions<FrontOptions>>().Value.PreviousAppSecret ?? ""
            : host.Get<IOptions<FrontOptions>>().Value.AppSecret);
    }
}
