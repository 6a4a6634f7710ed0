using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using EscalationHub.Security;

namespace EscalationHub.IntegrationTests.Operations;

/// <summary>hubctl as a process against a running hub (the embedded default, with the simulated case system's
/// outage switch).</summary>
public sealed class HubctlTests : IAsyncLifetime
{
    private TestHub hub = null!;
    private string outageFile = null!;

    public async Task InitializeAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"eh-hub-{Guid.NewGuid():N}");
        outageFile = Path.Combine(directory, "socialcare-outage");
        hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string>
        {
            ["SocialCare:OutageFile"] = outageFile,
            ["Adapter:HeartbeatInterval"] = "00:00:01",
        }, directory);
    }

    public async Task DisposeAsync() => await hub.DisposeAsync();

    private string OperatorCertificate => Path.Combine(hub.Callers.CertificatesDirectory, "operator-ops.crt");

    private string[] Args(params string[] args) => [.. args, "--hub", hub.Address, "--cert", OperatorCertificate];

    [Fact]
    public async Task Adapters_lists_the_social_care_adapter_alive_and_exits_0()
    {
        await Eventually.TrueAsync(async () => (await Hubctl.RunAsync(Args("adapters"))).Output.Contains("leics-socialcare"), "the adapter in hubctl's list");
        var result = await Hubctl.RunAsync(Args("adapters", "leics-socialcare"));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("alive", result.Output);

        var unknown = await Hubctl.RunAsync(Args("adapters", "no-such-agency"));
        Assert.Equal(5, unknown.ExitCode);
        Assert.Contains("NotFound", unknown.Output);
    }

    [Fact]
    public async Task Given_every_replicas_address_hubctl_reaches_the_hub_through_the_one_that_answers()
    {
        var gone = $"https://127.0.0.1:{Ports.Free(Ports.ServerMin, Ports.ServerMax)}"; // a replica that is down

        var result = await Hubctl.RunAsync("overdue", "--within", "7d", "--hub", $"{gone},{hub.Address}", "--cert", OperatorCertificate);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(4, (await Hubctl.RunAsync("overdue", "--hub", gone, "--cert", OperatorCertificate)).ExitCode);
    }

    [Fact]
    public async Task Flow_tail_shows_the_flow_filtered_by_agency_type_and_status()
    {
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));

        var result = await Eventually.GetAsync(async () =>
        {
            var r = await Hubctl.RunAsync(Args("flow", "tail", "--agency", "leics-socialcare", "--type", "DecideConcern", "--status", "applied", "--backlog", "5", "--count", "1"));
            return r.Output.Contains(concern.Reference) ? r : null;
        }, "hubctl flow tail showing the concern's decision");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("DecideConcern", result.Output);
        Assert.Contains("applied", result.Output);

        var bad = await Hubctl.RunAsync(Args("flow", "tail", "--status", "lost"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--status", bad.Output);
    }

    [Fact]
    public async Task Dead_letters_are_listed_and_redriven_by_id()
    {
        Assert.Contains("No dead letters.", (await Hubctl.RunAsync(Args("dead-letters", "list"))).Output);
        await File.WriteAllTextAsync(outageFile, "down");
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        var letter = await Eventually.GetAsync(async () =>
            (await hub.Operations.ListDeadLettersAsync(new ListDeadLettersRequest(), TestHub.Operator)).DeadLetters.FirstOrDefault(),
            "the dead letter", TimeSpan.FromSeconds(45));

        var list = await Hubctl.RunAsync(Args("dead-letters", "list"));
        Assert.Equal(0, list.ExitCode);
        Assert.Contains(letter.Id, list.Output);
        Assert.Contains("simulated outage", list.Output);

        var overdue = await Hubctl.RunAsync(Args("overdue", "--within", "7d"));
        Assert.Equal(0, overdue.ExitCode);
        Assert.Contains(concern.Reference, overdue.Output);

        File.Delete(outageFile);
        var redrive = await Hubctl.RunAsync(Args("dead-letters", "redrive", letter.Id, "--reason", "case system back up"));
        Assert.Equal(0, redrive.ExitCode);
        Assert.Contains("redriven", redrive.Output);
        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));
        Assert.Equal(ConcernStatus.Decided, changes.Last().Status);

        var again = await Hubctl.RunAsync(Args("dead-letters", "redrive", letter.Id));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already redriven", again.Output);
        Assert.Contains("Nothing to redrive.", (await Hubctl.RunAsync(Args("dead-letters", "redrive", "--all"))).Output);
    }

    [Fact]
    public async Task Wrong_arguments_a_missing_or_wrong_token_and_an_unreachable_hub_get_clear_errors_and_exit_codes()
    {
        // 168:00:00 is no longer read as 168 days: hours past 23 are refused, like any other bad duration.
        foreach (var duration in new[] { "168:00:00", "4x", "soon" })
        {
            var bad = await Hubctl.RunAsync(Args("overdue", "--within", duration));
            Assert.Equal(2, bad.ExitCode);
            Assert.Contains("is not a duration", bad.Output);
        }
        Assert.Equal(0, (await Hubctl.RunAsync(Args("overdue", "--within", "1d12h"))).ExitCode);

        var neither = await Hubctl.RunAsync(Args("dead-letters", "redrive"));
        Assert.Equal(2, neither.ExitCode);
        Assert.Contains("--all", neither.Output);

        var badId = await Hubctl.RunAsync(Args("dead-letters", "redrive", "not-an-id"));
        Assert.Equal(2, badId.ExitCode);
        Assert.Contains("ids[0]", badId.Output);

        var unknownId = await Hubctl.RunAsync(Args("dead-letters", "redrive", "3f2b8c1e-0000-4000-8000-000000000000"));
        Assert.Equal(5, unknownId.ExitCode);
        Assert.Contains("3f2b8c1e-0000-4000-8000-000000000000", unknownId.Output);

        var noCertificate = await Hubctl.RunAsync("overdue", "--hub", hub.Address);
        Assert.Equal(3, noCertificate.ExitCode);
        Assert.Contains("--cert", noCertificate.Output);

        // An agency's certificate is not an operator's: refused by the hub.
        var agencyCertificate = await Hubctl.RunAsync("overdue", "--hub", hub.Address, "--cert", Path.Combine(hub.Callers.CertificatesDirectory, "agency-leics-police.crt"));
        Assert.Equal(3, agencyCertificate.ExitCode);
        Assert.Contains("PermissionDenied", agencyCertificate.Output);

        var fromEnvironment = await Hubctl.RunAsync(new Dictionary<string, string>
        {
            ["HUBCTL_HUB"] = hub.Address, ["HUBCTL_CERT"] = OperatorCertificate, ["HUBCTL_CA"] = Path.Combine(hub.Callers.CertificatesDirectory, "ca.crt"),
        }, "overdue");
        Assert.Equal(0, fromEnvironment.ExitCode);

        var unreachable = await Hubctl.RunAsync("adapters", "--hub", $"https://127.0.0.1:{Ports.Free()}", "--cert", OperatorCertificate);
        Assert.Equal(4, unreachable.ExitCode);
        Assert.Contains("is the hub running", unreachable.Output);

        var help = await Hubctl.RunAsync("--help");
        Assert.Equal(0, help.ExitCode);
        foreach (var command in new[] { "flow", "dead-letters", "overdue", "adapters", "certs", "Exit codes" })
            Assert.Contains(command, help.Output);
    }
    [Fact]
    public async Task Certs_agency_and_certs_operator_issue_certificates_the_hub_accepts_as_that_agency_and_that_operator()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"eh-ca-{Guid.NewGuid():N}");
        DataAtRest.CreatePrivateDirectory(dir);
        foreach (var name in new[] { "ca.crt", "ca.key" }) File.Copy(Path.Combine(hub.Callers.CertificatesDirectory, name), Path.Combine(dir, name));
        try
        {
            var agency = await Hubctl.RunAsync("certs", "agency", "uhl-health", "--dir", dir, "--days", "2");
            var op = await Hubctl.RunAsync("certs", "operator", "duty-ops", "--dir", dir);
            Assert.True(agency.ExitCode == 0, agency.Output);
            Assert.True(op.ExitCode == 0, op.Output);

            using var agencyCertificate = CertificateFiles.LoadWithKey(CertificateFiles.CertificatePath(dir, CertificateDirectory.AgencyFileName("uhl-health")));
            var raised = await hub.Callers.WithCertificate(agencyCertificate).Concerns.RaiseConcernAsync(Requests.HospitalReferral());
            Assert.StartsWith("CN-", raised.Reference);
            var adapters = await Hubctl.RunAsync("adapters", "--hub", hub.Address, "--cert", CertificateFiles.CertificatePath(dir, CertificateDirectory.OperatorFileName("duty-ops")));
            Assert.True(adapters.ExitCode == 0, adapters.Output);

            var badName = await Hubctl.RunAsync("certs", "operator", "Duty Ops", "--dir", dir);
            Assert.NotEqual(0, badName.ExitCode);
            Assert.Contains("lower-case", badName.Output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
