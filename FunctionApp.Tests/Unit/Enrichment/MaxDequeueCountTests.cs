using System.Text.Json;
using System.Text.RegularExpressions;
using FrontFunctions.Enrichment;

namespace FrontFunctions.Tests.Unit.Enrichment;

/// <summary>
/// <c>maxDequeueCount</c> lives in host.json (the queue trigger reads it there); enrichment needs the same number to know
/// the last attempt. The default of <see cref="EnrichmentOptions.MaxDequeueCount"/> and the README are pinned to host.json
/// here, so changing one place alone fails the build.
/// </summary>
public sealed partial class MaxDequeueCountTests
{
    [Fact]
    public void The_enrichment_default_and_the_README_equal_host_json()
    {
        var root = RepositoryRoot();
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "host.json")));
        var fromHost = hostJson.RootElement.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32();

        Assert.Equal(fromHost, new EnrichmentOptions().MaxDequeueCount);
        var readme = string.Join("\n", Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Append(Path.Combine(root, "README.md")).Select(File.ReadAllText));
        var stated = ReadmeStatements().Matches(readme).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(stated);
        Assert.All(stated, n => Assert.Equal(fromHost, n));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FrontFunctions.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return dir!.FullName;
    }

    // "host.json's `maxDequeueCount` (default 5;" and "up to `maxDequeueCount` 5)"
    [GeneratedRegex(@"`maxDequeueCount`\s+(?:\(default\s+)?(\d+)")]
    private static partial Regex ReadmeStatements();
}
