using System.Text.RegularExpressions;
using EscalationHub.DeploymentTests.Infrastructure;

namespace EscalationHub.DeploymentTests.Docs;

/// <summary>The documentation is a place to find things: a README of one page, a contents line at the top of every
/// page of docs/ whose entries lead to its sections, and links that stay inside the repository and lead somewhere.</summary>
public sealed partial class DocPagesTests
{
    [Fact]
    public void The_README_is_a_page_of_at_most_250_lines_linking_to_every_page_of_docs()
    {
        var readme = File.ReadAllText(Repo.PathOf("README.md"));

        Assert.True(readme.Split('\n').Length <= 250, $"README.md has {readme.Split('\n').Length} lines");
        foreach (var page in Directory.GetFiles(Repo.PathOf("docs"), "*.md"))
            Assert.Contains($"(docs/{Path.GetFileName(page)})", readme);
    }

    [Fact]
    public void Every_page_of_docs_opens_with_contents_that_lead_to_its_sections()
    {
        foreach (var page in Directory.GetFiles(Repo.PathOf("docs"), "*.md"))
        {
            var lines = File.ReadAllLines(page);
            var sections = lines.Where(l => l.StartsWith("## ", StringComparison.Ordinal)).Select(l => Anchor(l[3..])).ToList();
            var contents = string.Join(' ', lines.SkipWhile(l => !l.StartsWith("Contents:", StringComparison.Ordinal)).TakeWhile(l => l.Trim() != ""));

            Assert.True(contents != "" && Array.FindIndex(lines, l => l.StartsWith("Contents:", StringComparison.Ordinal)) < 4, $"{Path.GetFileName(page)}: no contents line under its title");
            var entries = ContentsEntry().Matches(contents).Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(sections, entries);
        }
    }

    [Fact]
    public void Every_link_between_pages_stays_in_the_repository_and_leads_to_a_file_that_exists()
    {
        foreach (var page in DocPages.All)
        {
            var directory = Path.GetDirectoryName(Repo.PathOf(page))!;
            foreach (Match link in RelativeLink().Matches(File.ReadAllText(Repo.PathOf(page))))
            {
                var target = Path.GetFullPath(Path.Combine(directory, link.Groups[1].Value.Split('#')[0]));
                Assert.True(target.StartsWith(Repo.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal), $"{page} links outside the repository: {link.Value}");
                Assert.True(File.Exists(target) || Directory.Exists(target), $"{page} links to {link.Groups[1].Value}, which does not exist");
            }
        }
    }

    // GitHub's heading anchors: lower case, punctuation other than '-' dropped, spaces as '-'.
    private static string Anchor(string heading) => NotAnchor().Replace(heading.Trim().ToLowerInvariant(), "").Replace(' ', '-');

    [GeneratedRegex(@"[^\w\- ]")]
    private static partial Regex NotAnchor();

    [GeneratedRegex(@"\]\(#([^)]+)\)")]
    private static partial Regex ContentsEntry();

    [GeneratedRegex(@"\]\((?!https?:|#|mailto:)([^)\s]+)\)")]
    private static partial Regex RelativeLink();
}
