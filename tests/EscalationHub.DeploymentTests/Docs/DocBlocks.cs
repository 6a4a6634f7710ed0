using System.Text.RegularExpressions;
using EscalationHub.DeploymentTests.Infrastructure;

namespace EscalationHub.DeploymentTests.Docs;

/// <summary>How the doc-test treats a block of commands, named in the comment just above its fence:
/// <c>&lt;!-- doc-test: run --&gt;</c>.</summary>
public enum BlockKind
{
    /// <summary>Run as written, in the page's one shell session from the repository root; every command must succeed.</summary>
    Run,

    /// <summary>Starts the embedded hub and keeps running: started as written, waited on until it serves, stopped after the page.</summary>
    Hub,

    /// <summary>Needs a Docker engine (none on these machines): every compose file it names is validated with
    /// <c>docker-compose config</c> from the directory the block changes to, and the block is checked as shell.</summary>
    Docker,

    /// <summary>The test suite itself or a part of it, which CI runs: the projects it names exist and every
    /// <c>FullyQualifiedName~X</c> of its filter names a test class.</summary>
    Suite,

    /// <summary>Starts the hub or the adapters against what the embedded default does not have (a RabbitMQ node):
    /// every project it runs exists and every setting it gives is one that project reads. The integration suite runs
    /// the same projects with the same settings against a private RabbitMQ node.</summary>
    Processes,
}

/// <summary>One fenced <c>sh</c> block of a page of documentation.</summary>
public sealed record DocBlock(string Page, int Line, BlockKind? Kind, string Text)
{
    public override string ToString() => $"{Page}:{Line}";
}

public static partial class DocPages
{
    /// <summary>Every page a deployer reads: the README, docs/, and the READMEs of compose/ and each project.</summary>
    public static IReadOnlyList<string> All { get; } = FindPages();

    public static IReadOnlyList<DocBlock> Blocks(string page)
    {
        var lines = File.ReadAllLines(Repo.PathOf(page));
        var blocks = new List<DocBlock>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!Fence().IsMatch(lines[i])) continue;
            var start = i;
            var isShell = lines[i].Trim() is "```sh" or "```bash" or "```shell";
            var body = new List<string>();
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++) body.Add(lines[i]);
            if (!isShell) continue;
            var marker = start > 0 ? Marker().Match(lines[start - 1]) : Match.Empty;
            BlockKind? kind = marker.Success && Enum.TryParse<BlockKind>(marker.Groups[1].Value, ignoreCase: true, out var k) ? k : null;
            blocks.Add(new DocBlock(page, start + 1, kind, string.Join('\n', body)));
        }
        return blocks;
    }

    private static List<string> FindPages()
    {
        var root = Repo.Root;
        var pages = new List<string> { "README.md" };
        pages.AddRange(Directory.GetFiles(Repo.PathOf("docs"), "*.md").Order(StringComparer.Ordinal).Select(p => Path.GetRelativePath(root, p)));
        foreach (var folder in new[] { "compose", "src", "adapters" })
            pages.AddRange(Directory.GetFiles(Repo.PathOf(folder), "README.md", SearchOption.AllDirectories)
                .Where(p => !p.Contains("/bin/") && !p.Contains("/obj/"))
                .Order(StringComparer.Ordinal).Select(p => Path.GetRelativePath(root, p)));
        return pages;
    }

    [GeneratedRegex(@"^\s*```")]
    private static partial Regex Fence();

    [GeneratedRegex(@"<!--\s*doc-test:\s*([a-z-]+)\s*-->")]
    private static partial Regex Marker();
}
