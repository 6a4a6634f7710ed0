using EscalationHub.DeploymentTests.Infrastructure;

namespace EscalationHub.DeploymentTests;

/// <summary>compose/rabbitmq/definitions.json read as a specification: who may configure, write and read what. The
/// same file is imported into a real broker by the integration tests (BrokerPermissionsTests), which show the broker
/// enforcing it.</summary>
public sealed class BrokerDefinitionsTests
{
    private static readonly BrokerDefinitions Definitions = BrokerDefinitions.Load();
    private static readonly IReadOnlyList<string> AgencyCodes = Agencies.Codes();

    public static TheoryData<string> Agency() => new(Agencies.Codes());

    [Fact]
    public void There_is_a_user_per_registered_agency_one_for_the_hub_and_a_monitoring_user_and_no_administrator()
    {
        Assert.Equal(AgencyCodes.Append("hub").Append("ops").Order(), Definitions.Users.Keys.Order());
        Assert.Equal(["monitoring"], Definitions.Users["ops"]);
        // The hub peeks at the adapters' error queues through the management API, with no more than its own permissions.
        Assert.Equal(["management"], Definitions.Users["hub"]);
        Assert.All(Definitions.Users.Where(u => u.Key is not ("ops" or "hub")), u => Assert.Empty(u.Value));
        Assert.DoesNotContain(Definitions.Permissions, p => p.User == "ops");
        Assert.Equal([Definitions.VirtualHost], Definitions.PermissionVirtualHosts);
    }

    [Fact]
    public void The_dev_only_passwords_in_compose_env_are_the_ones_hashed_in_the_definitions()
    {
        var passwords = BrokerDefinitions.DevPasswords();

        Assert.Equal(Definitions.Users.Keys.Order(), passwords.Keys.Order());
        Assert.All(passwords, p => Assert.True(Definitions.PasswordMatches(p.Key, p.Value), $"{p.Key}'s password does not match its hash"));
        Assert.All(passwords, p => Assert.StartsWith("dev-only-", p.Value));
        Assert.False(Definitions.PasswordMatches("hub", "dev-only-leics-police-password"));
        Assert.Equal(["rabbit_password_hashing_sha256"], Definitions.HashingAlgorithms);
    }

    [Fact]
    public void Every_durable_queue_is_a_quorum_queue()
    {
        Assert.Equal(AgencyCodes.Select(c => $"agency.{c}").Append("hub.inbound").Order(), Definitions.Queues.Select(q => q.Name).Order());
        Assert.All(Definitions.Queues, q => Assert.Equal("quorum", q.Type));
    }

    [Fact]
    public void Each_agency_exchange_leads_only_to_the_hubs_inbound_queue()
    {
        Assert.All(AgencyCodes, code =>
            Assert.Equal([("hub.inbound." + code, "hub.inbound")], Definitions.Bindings.Where(b => b.Source == $"hub.inbound.{code}")));
        Assert.Contains(("hub.inbound", "hub.inbound"), Definitions.Bindings);
    }

    [Theory]
    [MemberData(nameof(Agency))]
    public void An_agency_reads_only_its_own_queue(string code)
    {
        var permission = Definitions.PermissionOf(code);

        Assert.True(permission.MayRead($"agency.{code}"));
        Assert.True(permission.MayRead($"agency.{code}_error"));
        Assert.False(permission.MayRead("hub.inbound"));
        Assert.False(permission.MayRead("hub.inbound_error"));
        Assert.All(AgencyCodes.Where(c => c != code), other =>
        {
            Assert.False(permission.MayRead($"agency.{other}"));
            Assert.False(permission.MayRead($"agency.{other}_error"));
            Assert.False(permission.MayRead($"agency.{code}x"));
        });
    }

    [Theory]
    [MemberData(nameof(Agency))]
    public void An_agency_writes_only_to_its_own_inbound_exchange_and_its_own_queues(string code)
    {
        var permission = Definitions.PermissionOf(code);

        Assert.True(permission.MayWrite($"hub.inbound.{code}"));
        Assert.False(permission.MayWrite("hub.inbound"));
        Assert.All(AgencyCodes.Where(c => c != code), other =>
        {
            Assert.False(permission.MayWrite($"hub.inbound.{other}"));
            Assert.False(permission.MayWrite($"agency.{other}"));
        });
    }

    [Theory]
    [MemberData(nameof(Agency))]
    public void An_agency_configures_only_what_its_adapter_declares(string code)
    {
        var permission = Definitions.PermissionOf(code);
        string[] own = [$"agency.{code}", $"agency.{code}_error", $"agency.{code}_skipped", $"hub.inbound.{code}"];

        Assert.All(own, resource => Assert.True(permission.MayConfigure(resource), resource));
        Assert.False(permission.MayConfigure("hub.inbound")); // configure would let it delete the hub's queue
        Assert.False(permission.MayConfigure("hub.inbound_error"));
        Assert.False(permission.MayConfigure("MassTransit:Fault")); // faults are not published (PublishFaults = false)
        Assert.All(AgencyCodes.Where(c => c != code), other =>
        {
            Assert.False(permission.MayConfigure($"agency.{other}"));
            Assert.False(permission.MayConfigure($"hub.inbound.{other}"));
        });
    }

    [Fact]
    public void The_hub_owns_its_inbound_queue_and_the_agency_queues_but_cannot_write_as_an_agency()
    {
        var hub = Definitions.PermissionOf("hub");

        Assert.All(["hub.inbound", "hub.inbound_error", "hub.inbound_skipped"], q =>
        {
            Assert.True(hub.MayConfigure(q));
            Assert.True(hub.MayWrite(q));
            Assert.True(hub.MayRead(q));
        });
        Assert.All(AgencyCodes, code =>
        {
            Assert.True(hub.MayConfigure($"agency.{code}"));
            Assert.True(hub.MayWrite($"agency.{code}"));
            Assert.True(hub.MayConfigure($"hub.inbound.{code}")); // declares and binds it (read on the source)
            Assert.True(hub.MayRead($"hub.inbound.{code}"));
            Assert.False(hub.MayWrite($"hub.inbound.{code}"));
            Assert.False(hub.MayConfigure($"agency.{code}_error"));
            Assert.False(hub.MayWrite($"agency.{code}_error"));
            Assert.False(hub.MayRead($"agency.{code}_skipped"));
        });
    }

    [Fact]
    public void The_hub_may_read_the_agencies_error_queues_to_take_out_a_redriven_copy_and_nothing_more_of_theirs()
    {
        var hub = Definitions.PermissionOf("hub");

        // Redrive holds the parked copy (basic.get, unacknowledged), sends the message, then acknowledges the copy.
        Assert.All(AgencyCodes, code => Assert.True(hub.MayRead($"agency.{code}_error")));
        Assert.False(hub.MayRead("agency.leics-police_errors"));
        Assert.False(hub.MayRead("agency.leics-police_error_skipped"));
        Assert.All(AgencyCodes, code => Assert.False(Definitions.PermissionOf(code).MayRead($"agency.{AgencyCodes.First(c => c != code)}_error")));
    }
}
