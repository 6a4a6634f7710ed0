using System.Reflection;
using Xunit.Abstractions;
using System.Text.RegularExpressions;
using EscalationHub.DeploymentTests.Infrastructure;

namespace EscalationHub.DeploymentTests.Docs;

/// <summary>Every command a page of documentation shows runs in the suite as written, from the repository root
/// where the pages say to run them: against the embedded default started by the README's own command, with the
/// development certificates and files it makes. What needs a Docker engine is validated instead.</summary>
public sealed partial class DocumentedCommandsTests(ITestOutputHelper log)
{
    [Fact]
    public void Every_block_of_commands_in_the_docs_says_how_the_doc_test_runs_it()
    {
        var blocks = DocPages.All.SelectMany(DocPages.Blocks).ToList();

        Assert.True(blocks.Count >= 10, $"only {blocks.Count} command blocks found in {string.Join(", ", DocPages.All)}");
        Assert.Empty(blocks.Where(b => b.Kind is null).Select(b => $"{b}: no <!-- doc-test: run|hub|docker|suite|processes --> above the fence"));
        Assert.Contains(blocks, b => b is { Page: "README.md", Kind: BlockKind.Hub });
    }

    [Fact]
    public void Every_compose_file_a_docker_command_names_is_accepted_by_docker_compose_from_the_directory_the_page_changes_to()
    {
        var checkedFiles = 0;
        foreach (var block in DocPages.All.SelectMany(DocPages.Blocks).Where(b => b.Kind == BlockKind.Docker))
        {
            var syntax = Shell.Run($"bash -n <<'DOC'\n{block.Text}\nDOC", TimeSpan.FromSeconds(30));
            Assert.True(syntax.ExitCode == 0, $"{block}: not valid shell: {syntax.Output}");
            var directory = Repo.Root;
            foreach (var line in Commands(block.Text))
            {
                if (CdInto().Match(line) is { Success: true } cd) directory = Path.GetFullPath(Path.Combine(directory, cd.Groups[1].Value));
                if (!ComposeCommand().IsMatch(line)) continue;
                var files = ComposeFile().Matches(line).Select(m => m.Groups[1].Value).ToList();
                if (files.Count == 0) files.Add("docker-compose.yml");
                var config = ComposeConfig.Check(directory, files);
                Assert.True(config.ExitCode == 0, $"{block}: docker-compose {string.Join(' ', files.Select(f => "-f " + f))} config in {directory}: {config.Errors}");
                checkedFiles++;
            }
        }
        Assert.True(checkedFiles > 0, "no docker compose command found in the docs");
    }

    [Fact]
    public void Every_test_command_names_a_project_that_exists_and_a_filter_that_names_test_classes()
    {
        var testClasses = TestClassNames();
        foreach (var block in DocPages.All.SelectMany(DocPages.Blocks).Where(b => b.Kind == BlockKind.Suite))
        {
            foreach (Match project in ProjectArgument().Matches(block.Text))
                Assert.True(Directory.Exists(Repo.PathOf(project.Groups[1].Value)) || File.Exists(Repo.PathOf(project.Groups[1].Value)),
                    $"{block}: {project.Groups[1].Value} does not exist");
            foreach (Match script in ScriptArgument().Matches(block.Text))
                Assert.True(File.Exists(Repo.PathOf(script.Groups[1].Value)), $"{block}: {script.Groups[1].Value} does not exist");
            foreach (Match name in FilterName().Matches(block.Text))
                Assert.True(testClasses.Contains(name.Groups[1].Value), $"{block}: the filter names {name.Groups[1].Value}, which is no test class");
        }
    }

    [Fact]
    public void Every_process_a_page_starts_is_a_project_that_exists_given_only_settings_it_reads()
    {
        var started = 0;
        foreach (var block in DocPages.All.SelectMany(DocPages.Blocks).Where(b => b.Kind == BlockKind.Processes))
        {
            foreach (var line in Commands(block.Text))
            {
                if (RunProject().Match(line) is not { Success: true } run) continue;
                var project = run.Groups[1].Value;
                Assert.True(Directory.Exists(Repo.PathOf(project)), $"{block}: {project} does not exist");
                var settings = ProjectSettings.Of(project);
                foreach (Match variable in Assignment().Matches(line[..run.Index]))
                    Assert.True(settings.Reads(variable.Groups[1].Value), $"{block}: {project} never reads {variable.Groups[1].Value}");
                started++;
            }
        }
        Assert.True(started > 0, "no process block found in the docs");
    }

    [Fact]
    public async Task Every_page_runs_as_written_against_the_embedded_default_the_README_starts()
    {
        await using var workspace = DocWorkspace.Take();
        await using var hub = new DocHub();
        var ran = new List<string>();
        foreach (var page in DocPages.All)
        {
            var blocks = DocPages.Blocks(page);
            if (blocks.FirstOrDefault(b => b.Kind == BlockKind.Hub) is { } start)
                await hub.StartAsync(start);
            var commands = blocks.Where(b => b.Kind == BlockKind.Run).ToList();
            if (commands.Count == 0) continue;
            Assert.True(hub.IsRunning || page == "README.md", $"{page}: no hub is running (the README's first block starts it)");

            var started = DateTime.UtcNow;
            var result = Shell.RunSession(commands, TimeSpan.FromMinutes(5));
            log.WriteLine($"{page}: {commands.Count} block(s), exit {result.ExitCode}, {(DateTime.UtcNow - started).TotalSeconds:0} s");
            Assert.True(result.ExitCode == 0,
                $"{result.FailedBlock?.ToString() ?? page} failed (exit {result.ExitCode}):\n{result.FailedBlock?.Text}\n--- output ---\n{Tail(result.Output)}\n--- hub ---\n{Tail(hub.Output)}");
            ran.Add($"{page} ({commands.Count})");
        }
        Assert.Contains(ran, r => r.StartsWith("README.md", StringComparison.Ordinal));
    }

    private static IEnumerable<string> Commands(string text) =>
        text.Replace("\\\n", " ").Split('\n').Select(l => l.Split(" #")[0])
            .SelectMany(l => l.Split("&&")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));

    private static HashSet<string> TestClassNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var configuration = bin.Parent!.Name;
        foreach (var project in Directory.GetDirectories(Repo.PathOf("tests"), "*Tests"))
        {
            var dll = Path.Combine(project, "bin", configuration, "net10.0", Path.GetFileName(project) + ".dll");
            if (!File.Exists(dll)) continue;
            // Names only: the assembly's metadata is read without loading its dependencies.
            using var stream = File.OpenRead(dll);
            using var reader = new System.Reflection.PortableExecutable.PEReader(stream);
            var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(reader);
            foreach (var handle in metadata.TypeDefinitions)
                names.Add(metadata.GetString(metadata.GetTypeDefinition(handle).Name));
        }
        return names;
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : "..." + text[^6000..];

    [GeneratedRegex(@"^cd\s+(\S+)")]
    private static partial Regex CdInto();

    [GeneratedRegex(@"^(docker compose|docker-compose)\b")]
    private static partial Regex ComposeCommand();

    [GeneratedRegex(@"-f\s+(\S+\.ya?ml)")]
    private static partial Regex ComposeFile();

    [GeneratedRegex(@"dotnet (?:test|run)(?: -c \w+)? (?:--project )?((?:tests|src|adapters)/[\w./]+)")]
    private static partial Regex ProjectArgument();

    [GeneratedRegex(@"^bash ((?:scripts|\.ci)/\S+)", RegexOptions.Multiline)]
    private static partial Regex ScriptArgument();

    [GeneratedRegex(@"dotnet run --project (\S+)")]
    private static partial Regex RunProject();

    [GeneratedRegex(@"(?:^|\s)(\w+__\w+)=")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"FullyQualifiedName~(\w+)")]
    private static partial Regex FilterName();
}
