using System.Text.RegularExpressions;
using EscalationHub.Adapters.Health.Referrals;

namespace EscalationHub.Adapters.Tests.Fhir;

public partial class SnomedTableDocumentationTests
{
    [GeneratedRegex(@"^\| `(\d+)` \| ([^|]+?) \|", RegexOptions.Multiline)]
    private static partial Regex Row();

    [Fact]
    public void The_SNOMED_CT_table_in_docs_adapters_md_lists_exactly_the_concepts_the_adapter_maps()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EscalationHub.sln"))) dir = dir.Parent;
        var docs = File.ReadAllText(Path.Combine(dir!.FullName, "docs", "adapters.md"));
        var section = docs[docs.IndexOf("## Health adapter: SNOMED CT reasons", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 1, StringComparison.Ordinal)];

        var documented = Row().Matches(section).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);

        Assert.Equal(ConcernCodes.Snomed.Keys.Order(StringComparer.Ordinal), documented);
    }
}
