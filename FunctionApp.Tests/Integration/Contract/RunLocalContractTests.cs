using System.Text.RegularExpressions;
using FrontFunctions.Outbound;

namespace FrontFunctions.Tests.Integration.Contract;

/// <summary>
/// run-local.sh wires the local host to the partner receiver it starts, and the demo looks for that receiver where the
/// script starts it: the settings must agree, or the demo's last step waits for a delivery that never comes.
/// </summary>
public sealed partial class RunLocalContractTests
{
    [Fact]
    public void The_run_command_switches_delivery_on_to_the_partner_receiver_it_starts_where_the_demo_looks_for_it()
    {
        var script = RepoText("scripts/run-local.sh");
        var partnerPort = PartnerPort().Match(script) is { Success: true } m ? m.Groups[1].Value : null;
        Assert.NotNull(partnerPort);
        Assert.Contains("partner_url=http://127.0.0.1:$partner_port", script, StringComparison.Ordinal);
        var partnerUrl = "http://127.0.0.1:" + partnerPort;

        Assert.Contains("export Partner__OutboundUrl=\"$partner_url/events\"", script, StringComparison.Ordinal);
        Assert.Contains("export AzureWebJobs_DeliverOutboundMessage_Disabled=false", script, StringComparison.Ordinal);
        Assert.Contains("dotnet run --project tools/PartnerReceiver --no-build --no-launch-profile -- --urls \"$partner_url\" &", script, StringComparison.Ordinal);
        Assert.Contains("dotnet build tools/PartnerReceiver", script, StringComparison.Ordinal);
        Assert.Contains("check_port \"$partner_port\" \"the partner receiver\" PARTNER_PORT", script, StringComparison.Ordinal);

        // The secret made for the run: whsec_ + base64 of N random bytes, N within what the app's options accept.
        var bytes = SecretBytes().Match(script);
        Assert.True(bytes.Success, "run-local.sh makes Partner__SigningSecret from `head -c N /dev/urandom | base64`");
        var secret = PartnerOptions.SecretPrefix + Convert.ToBase64String(new byte[int.Parse(bytes.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)]);
        var validation = new PartnerOptionsValidator().Validate(null, new PartnerOptions { OutboundUrl = partnerUrl + "/events", SigningSecret = secret });
        Assert.True(validation.Succeeded, validation.FailureMessage);

        var demoDefault = DemoPartnerUrl().Match(RepoText("tools/Demo/DemoContext.cs"));
        Assert.True(demoDefault.Success);
        Assert.Equal(partnerUrl + "/", demoDefault.Groups[1].Value);
    }

    private static string RepoText(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FrontFunctions.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return File.ReadAllText(Path.Combine(dir!.FullName, relative)).ReplaceLineEndings("\n");
    }

    [GeneratedRegex(@"^partner_port=\$\{PARTNER_PORT:-(\d+)\}$", RegexOptions.Multiline)]
    private static partial Regex PartnerPort();

    [GeneratedRegex(@"Partner__SigningSecret=""\$\{Partner__SigningSecret:-whsec_\$\(head -c (\d+) /dev/urandom \| base64")]
    private static partial Regex SecretBytes();

    [GeneratedRegex(@"DefaultPartnerUrl = ""([^""]+)""")]
    private static partial Regex DemoPartnerUrl();
}
