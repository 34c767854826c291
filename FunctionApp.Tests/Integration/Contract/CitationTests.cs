using System.Text.RegularExpressions;

namespace FrontFunctions.Tests.Integration.Contract;

/// <summary>
/// Code and docs cite files in the repository or public URLs, never the team's reading folder (<c>shared/</c>), which a clone
/// does not have: what the app relies on from Front is written down in docs/front-channel-api.md.
/// </summary>
public sealed partial class CitationTests
{
    [Fact]
    public void No_source_or_page_cites_the_shared_reading_folder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FrontFunctions.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var skipped = new[] { "bin", "obj", "node_modules", ".git", "docs-notes" };
        var citing = Directory.EnumerateFiles(dir!.FullName, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".md", StringComparison.Ordinal)
                || f.EndsWith(".bicep", StringComparison.Ordinal) || f.EndsWith(".sh", StringComparison.Ordinal))
            .Where(f => !Path.GetRelativePath(dir.FullName, f).Split(Path.DirectorySeparatorChar).Any(part => skipped.Contains(part)))
            .Where(f => SharedCitation().IsMatch(File.ReadAllText(f)))
            .Select(f => Path.GetRelativePath(dir.FullName, f))
            .ToList();

        Assert.True(citing.Count == 0, "Cite docs/front-channel-api.md (or a public URL) instead of shared/: " + string.Join(", ", citing));
    }

    [GeneratedRegex(@"(?<![\w/])shared/(front-|seed|standard-webhooks|style|azure-notes)")]
    private static partial Regex SharedCitation();
}
