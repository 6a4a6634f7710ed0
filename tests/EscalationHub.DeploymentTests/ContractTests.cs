using System.Text.RegularExpressions;
using EscalationHub.DeploymentTests.Infrastructure;

namespace EscalationHub.DeploymentTests;

/// <summary>protos/ kept as the Protobuf ecosystem does (docs/contracts.md): buf lint with the rules in protos/buf.yaml,
/// and buf breaking against the last released descriptor set, protos/released/escalationhub-v1.binpb. buf runs from
/// npm (npx), as on CI; the last two tests break a copy of the contracts on purpose, so a buf that checks nothing fails.</summary>
public sealed class ContractTests
{
    private const string Baseline = "protos/released/escalationhub-v1.binpb";

    [Fact]
    public void The_contracts_pass_buf_lint_with_the_projects_rules()
    {
        var (exitCode, output) = Buf.Run("lint protos");

        Assert.True(exitCode == 0, $"buf lint protos exited {exitCode}:\n{output}");
        Assert.Equal("", output);
    }

    [Fact]
    public void The_contracts_break_nothing_in_the_last_released_descriptor_set()
    {
        Assert.True(File.Exists(Repo.PathOf("protos", "released", "escalationhub-v1.binpb")), $"{Baseline} is missing");

        var (exitCode, output) = Buf.Run($"breaking protos --against {Baseline}");

        Assert.True(exitCode == 0, $"buf breaking exited {exitCode}:\n{output}");
        Assert.Equal("", output);
    }

    [Fact]
    public void Buf_lint_refuses_a_contract_that_breaks_one_of_the_rules()
    {
        var protos = Buf.CopyOfProtos();
        try
        {
            File.WriteAllText(Path.Combine(protos, "escalationhub", "v1", "careless.proto"), """
                syntax = "proto3";
                package escalationhub.v1;
                message CarelessNote {
                  string childName = 1;
                }
                """);

            var (exitCode, output) = Buf.Run("lint --error-format=json", protos);

            Assert.Equal(Buf.FindingsExitCode, exitCode);
            Assert.Contains("\"path\":\"escalationhub/v1/careless.proto\"", output, StringComparison.Ordinal);
            Assert.Contains("\"type\":\"FIELD_LOWER_SNAKE_CASE\"", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(protos, recursive: true);
        }
    }

    [Fact]
    public void Buf_breaking_refuses_a_field_deleted_from_a_released_message()
    {
        var protos = Buf.CopyOfProtos();
        try
        {
            var concerns = Path.Combine(protos, "escalationhub", "v1", "concerns.proto");
            var text = File.ReadAllText(concerns);
            var withoutReaderRole = Regex.Replace(text, @"\n\s*string reader_role = 4;[^\n]*", "", RegexOptions.None, TimeSpan.FromSeconds(1));
            Assert.NotEqual(text, withoutReaderRole);
            File.WriteAllText(concerns, withoutReaderRole);

            var (exitCode, output) = Buf.Run($"breaking . --error-format=json --against {Repo.PathOf("protos", "released", "escalationhub-v1.binpb")}", protos);

            Assert.Equal(Buf.FindingsExitCode, exitCode);
            Assert.Contains("\"type\":\"FIELD_NO_DELETE\"", output, StringComparison.Ordinal);
            Assert.Contains("reader_role", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(protos, recursive: true);
        }
    }

    [Fact]
    public void Every_lint_exception_in_buf_yaml_says_why_and_is_in_the_contracts_page()
    {
        var lines = File.ReadAllLines(Repo.PathOf("protos", "buf.yaml"));
        var start = Array.FindIndex(lines, l => l.Trim() == "except:");
        Assert.True(start > 0, "protos/buf.yaml has no lint exceptions list");
        var docs = File.ReadAllText(Repo.PathOf("docs", "contracts.md"));

        // Each rule follows a comment, or another rule that does (two rules may share one reason).
        var exceptions = new List<string>();
        var explained = false;
        for (var i = start + 1; i < lines.Length && (lines[i].StartsWith("    ", StringComparison.Ordinal) || lines[i].Trim() == ""); i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith('#')) explained = true;
            else if (line == "") explained = false;
            else if (line.StartsWith("- ", StringComparison.Ordinal))
            {
                var rule = line[2..];
                exceptions.Add(rule);
                Assert.True(explained, $"{rule}: a lint exception needs a comment above it saying why");
                Assert.Contains($"`{rule}`", docs, StringComparison.Ordinal);
            }
        }
        Assert.NotEmpty(exceptions);
    }
}
