using System.Text.RegularExpressions;

namespace FrontFunctions.Tests.Integration.Contract;

/// <summary>
/// README.md is the front door (at most 250 lines) and every relative link in it and in <c>docs/*.md</c> leads somewhere:
/// the file exists and, when the link names a heading (<c>#anchor</c>), the target has that heading (GitHub's anchor rule).
/// </summary>
public partial class DocsLinkTests
{
    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FrontFunctions.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return dir!.FullName;
    }

    public static TheoryData<string> Pages()
    {
        var root = Root();
        var data = new TheoryData<string> { "README.md" };
        foreach (var page in Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(root, page).Replace('\\', '/'));
        }

        return data;
    }

    [Fact]
    public void The_readme_is_a_front_door_of_at_most_250_lines()
    {
        var lines = File.ReadAllText(Path.Combine(Root(), "README.md")).ReplaceLineEndings("\n").TrimEnd('\n').Split('\n').Length;

        Assert.True(lines <= 250, $"README.md has {lines} lines; move the depth to docs/.");
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_relative_link_resolves(string page)
    {
        var root = Root();
        var path = Path.Combine(root, page);
        var text = WithoutCode(File.ReadAllText(path).ReplaceLineEndings("\n"));
        var broken = new List<string>();
        foreach (Match link in Link().Matches(text))
        {
            var target = link.Groups[1].Value;
            if (target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith("https://", StringComparison.Ordinal)
                || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            var hash = target.IndexOf('#', StringComparison.Ordinal);
            var file = hash < 0 ? target : target[..hash];
            var anchor = hash < 0 ? null : target[(hash + 1)..];
            var resolved = file.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, Uri.UnescapeDataString(file)));
            if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                broken.Add($"{target} (no such file)");
                continue;
            }

            if (anchor is not null && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(File.ReadAllText(resolved)).Contains(anchor))
            {
                broken.Add($"{target} (no such heading)");
            }
        }

        Assert.True(broken.Count == 0, $"{page}: broken links: {string.Join(", ", broken)}");
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation other than '-' and '_' removed, spaces to '-'.</summary>
    private static HashSet<string> Anchors(string markdown) =>
        Heading().Matches(WithoutCode(markdown.ReplaceLineEndings("\n")))
            .Select(m => Punctuation().Replace(m.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-'))
            .ToHashSet(StringComparer.Ordinal);

    private static string WithoutCode(string markdown) => Fence().Replace(markdown, "");

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\w\- ]")]
    private static partial Regex Punctuation();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();
}
