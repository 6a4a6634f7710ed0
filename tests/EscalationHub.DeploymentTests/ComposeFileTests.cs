using System.Text.RegularExpressions;
using EscalationHub.DeploymentTests.Infrastructure;
using EscalationHub.Messaging;

namespace EscalationHub.DeploymentTests;

/// <summary>compose/docker-compose.yml is valid for docker-compose and names only what exists in the code: projects,
/// the Dockerfile, settings the apps read, the ports they listen on, a volume for every store, the certificates.</summary>
public sealed class ComposeFileTests
{
    private static readonly Lazy<ComposeModel> Compose = new(ComposeModel.Load);

    private static IEnumerable<ComposeService> Apps => Compose.Value.Services.Where(s => s.IsApp);

    private static IEnumerable<ComposeService> BuiltApps => Apps;

    [Fact]
    public void Docker_compose_accepts_the_file()
    {
        var (exitCode, _, errors) = DockerCompose.Run("config --quiet");

        Assert.True(exitCode == 0, $"docker-compose config failed: {errors}");
        Assert.DoesNotContain("WARNING", errors);
    }

    [Fact]
    public void The_broker_the_hub_and_an_adapter_per_registered_agency_are_services()
    {
        var agencies = Agencies.Codes();
        var adapterAgencies = Apps.Where(s => s.Environment.ContainsKey("Adapter__AgencyCode")).Select(s => s.Environment["Adapter__AgencyCode"]).ToList();

        Assert.Equal("src/EscalationHub.Server", Compose.Value["hub"].Project);
        Assert.StartsWith("rabbitmq:", Compose.Value["rabbitmq"].Image);
        Assert.Equal(agencies.Order(), adapterAgencies.Order());
    }

    [Fact]
    public void Every_app_service_is_built_by_the_Dockerfile_from_a_project_that_exists()
    {
        Assert.NotEmpty(Apps);
        Assert.All(Apps, service =>
        {
            Assert.Equal(Repo.Root, service.BuildContext);
            Assert.True(File.Exists(Path.Combine(service.BuildContext!, service.Dockerfile!)), $"{service.Name}: no {service.Dockerfile}");
            Assert.True(File.Exists(Repo.PathOf(service.Project, service.Assembly + ".csproj")),
                $"{service.Name}: {service.Project}/{service.Assembly}.csproj does not exist");
        });
    }

    [Fact]
    public void The_Dockerfile_builds_with_the_dotnet_10_sdk_runs_on_the_aspnet_10_runtime_and_takes_the_arguments_compose_passes()
    {
        var dockerfile = File.ReadAllText(Repo.PathOf("compose", "Dockerfile"));

        Assert.Contains("ARG DOTNET_VERSION=10.0", dockerfile);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build", dockerfile);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime", dockerfile);
        Assert.All(Apps.SelectMany(s => s.BuildArgs.Keys).Distinct(), arg => Assert.Contains($"ARG {arg}", dockerfile));
        Assert.Equal(["ASSEMBLY", "PROJECT"], Apps.SelectMany(s => s.BuildArgs.Keys).Distinct().Order());
    }

    [Fact]
    public void Every_app_service_project_publishes_as_the_Dockerfile_publishes_it_with_its_own_settings()
    {
        Assert.All(BuiltApps.DistinctBy(s => s.Project), service =>
        {
            var (exitCode, output, directory) = DotnetPublish.Run(service.Project, service.Assembly);
            try
            {
                Assert.True(exitCode == 0, $"dotnet publish {service.Project} failed:\n{output}");
                Assert.True(File.Exists(Path.Combine(directory, service.Assembly + ".dll")));
                Assert.Equal(File.ReadAllText(Repo.PathOf(service.Project, "appsettings.json")), File.ReadAllText(Path.Combine(directory, "appsettings.json")));
            }
            finally
            {
                try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
            }
        });
    }

    [Fact]
    public void Every_environment_variable_of_an_app_service_is_a_setting_its_code_reads()
    {
        Assert.NotEmpty(BuiltApps);
        Assert.All(BuiltApps, service =>
        {
            var settings = ProjectSettings.Of(service.Project);
            var unknown = service.Environment.Keys.Where(variable => !settings.Reads(variable)).ToList();
            Assert.True(unknown.Count == 0, $"{service.Name} sets {string.Join(", ", unknown)}, which {service.Project} never reads");
        });
    }

    [Fact]
    public void Every_app_service_listens_healthchecks_and_publishes_on_the_port_of_its_Urls_setting()
    {
        Assert.All(BuiltApps, service =>
        {
            var defaultUrls = ProjectSettings.Of(service.Project).Setting("Urls");
            Assert.NotNull(defaultUrls);
            var port = new Uri(service.Environment["Urls"]).Port;

            Assert.Equal(new Uri(defaultUrls).Port, port);
            Assert.Equal("0.0.0.0", new Uri(service.Environment["Urls"]).Host); // reachable from the other containers
            // The Urls port, and the health adapter's MLLP listener (Adapter:Mllp:Port) for the hospital's interface engine.
            var mllp = ProjectSettings.Of(service.Project).Setting("Adapter:Mllp:Port");
            // The hub's dashboard listener (Dashboard:Urls) too, when compose serves it beyond the container.
            int[] dashboard = service.Environment.TryGetValue("Dashboard__Urls", out var urls) ? [new Uri(urls).Port] : [];
            int[] mllpPort = mllp is null ? [] : [int.Parse(mllp)];
            Assert.Equal(((int[])[port, .. dashboard, .. mllpPort]).Order(), service.ContainerPorts.Distinct().Order());
            Assert.Contains(port.ToString(), service.HealthCheck);
        });
    }

    [Fact]
    public void The_hub_is_healthchecked_over_grpc_and_the_adapters_over_their_health_endpoint()
    {
        Assert.Equal(["CMD", "healthcheck", "grpc"], Compose.Value["hub"].HealthCheck.Take(3));
        Assert.All(Apps.Where(s => s.Name != "hub"), adapter => Assert.Equal(["CMD", "healthcheck", "http"], adapter.HealthCheck.Take(3)));
        // Each adapter maps /health itself or through the runtime's MapAdapterHost, which does.
        var runtimeMapsHealth = File.ReadAllText(Repo.PathOf("adapters", "EscalationHub.Adapters.Runtime", "AgencySystem", "AgencySystemRegistration.cs"))
            .Contains("MapHealthChecks(\"/health\")");
        Assert.All(BuiltApps.Where(s => s.Name != "hub"), adapter =>
        {
            var program = File.ReadAllText(Repo.PathOf(adapter.Project, "Program.cs"));
            Assert.True(program.Contains("MapHealthChecks(\"/health\")") || (program.Contains("MapAdapterHost()") && runtimeMapsHealth),
                $"{adapter.Name} does not map /health");
        });
        Assert.Contains("MapGrpcHealthChecksService", File.ReadAllText(Repo.PathOf("src", "EscalationHub.Server", "Grpc", "GrpcRegistration.cs")));
        Assert.True(File.Exists(Repo.PathOf("compose", "healthcheck.sh")));
        Assert.Contains("COPY compose/healthcheck.sh /usr/local/bin/healthcheck", File.ReadAllText(Repo.PathOf("compose", "Dockerfile")));
    }

    [Fact]
    public void Every_store_is_on_a_named_volume_of_its_own()
    {
        var hub = Compose.Value["hub"];
        var stores = new List<(ComposeService Service, string Directory)>
        {
            (hub, Path.GetDirectoryName(hub.Environment["Store__Path"])!),
            (Compose.Value["rabbitmq"], "/var/lib/rabbitmq"),
        };
        stores.AddRange(Apps.Where(s => s.Environment.ContainsKey("Adapter__DataDirectory")).Select(s => (s, s.Environment["Adapter__DataDirectory"])));
        Assert.Equal(Apps.Count() + 1, stores.Count); // the hub, every adapter and the broker

        var volumes = stores.Select(store =>
        {
            var mount = store.Service.Mounts.SingleOrDefault(m => m.Target == store.Directory);
            Assert.True(mount is { IsNamedVolume: true, ReadOnly: false }, $"{store.Service.Name}: {store.Directory} is not on a writable named volume");
            return mount!.Source;
        }).ToList();

        Assert.Equal(volumes.Count, volumes.Distinct().Count());
        Assert.Equal(volumes.Order(), Compose.Value.Volumes.Order());
    }

    [Fact]
    public void Every_app_service_has_the_certificates_folder_mounted_read_only()
    {
        Assert.All(Apps, service => Assert.Contains(service.Mounts, m =>
            m is { Target: "/certs", ReadOnly: true, IsNamedVolume: false } && m.Source == Repo.PathOf("compose", "certs")));
        Assert.True(Directory.Exists(Repo.PathOf("compose", "certs")));
    }

    [Fact]
    public void The_hub_serves_mutual_tls_with_the_certificates_from_the_mounted_folder()
    {
        var hub = Compose.Value["hub"].Environment;

        Assert.Equal("https", new Uri(hub["Urls"]).Scheme);
        Assert.Equal("/certs/ca.crt", hub["Tls__CaCertificate"]);
        Assert.Equal("/certs/hub.crt", hub["Tls__ServerCertificate"]);
        Assert.Equal("/certs/hub.key", hub["Tls__ServerKey"]);
        Assert.Equal("/certs/revoked.txt", hub["Tls__RevocationList"]);
        // The healthcheck reaches the hub over TLS, trusting the mounted CA.
        var healthcheck = File.ReadAllText(Repo.PathOf("compose", "healthcheck.sh"));
        Assert.Contains("--cacert /certs/ca.crt", healthcheck);
        Assert.Contains("https://127.0.0.1:$2/grpc.health.v1.Health/Check", healthcheck);
    }

    [Fact]
    public void Every_adapter_calls_the_hub_over_tls_with_its_own_agencys_certificate()
    {
        var adapters = Apps.Where(s => s.Environment.ContainsKey("Adapter__AgencyCode")).ToList();

        Assert.NotEmpty(adapters);
        Assert.All(adapters, adapter =>
        {
            var code = adapter.Environment["Adapter__AgencyCode"];
            Assert.Equal("https://hub:5080", adapter.Environment["Hub__Address"]);
            // The file name hubctl certs agency writes for that agency, and no other agency's.
            Assert.Equal($"/certs/agency-{code}.crt", adapter.Environment["Hub__ClientCertificate"]);
            Assert.Equal("/certs/ca.crt", adapter.Environment["Hub__CaCertificate"]);
        });
    }

    [Fact]
    public void The_broker_loads_the_definitions_file_compose_mounts()
    {
        var rabbitmq = Compose.Value["rabbitmq"];
        var conf = File.ReadAllText(Repo.PathOf("compose", "rabbitmq", "rabbitmq.conf"));
        var loaded = Regex.Match(conf, @"^load_definitions\s*=\s*(\S+)", RegexOptions.Multiline).Groups[1].Value;

        Assert.Contains(rabbitmq.Mounts, m => m.Target == loaded && m.ReadOnly && m.Source == Repo.PathOf("compose", "rabbitmq", "definitions.json"));
        Assert.Contains(rabbitmq.Mounts, m => m.Target == "/etc/rabbitmq/rabbitmq.conf" && m.Source == Repo.PathOf("compose", "rabbitmq", "rabbitmq.conf"));
        Assert.Contains(rabbitmq.Mounts, m => m.Target == "/etc/rabbitmq/enabled_plugins" && m.Source == Repo.PathOf("compose", "rabbitmq", "enabled_plugins"));
        Assert.EndsWith("-management", rabbitmq.Image);
    }

    [Fact]
    public void The_hub_and_each_adapter_connect_as_their_own_broker_user_to_the_definitions_virtual_host_with_quorum_queues()
    {
        var definitions = BrokerDefinitions.Load();
        Assert.All(Apps, service =>
        {
            var broker = new Uri(service.Environment["Messaging__RabbitMq"]);
            var user = Uri.UnescapeDataString(broker.UserInfo.Split(':')[0]);
            var password = Uri.UnescapeDataString(broker.UserInfo.Split(':', 2)[1]);
            var expectedUser = service.Name == "hub" ? "hub" : service.Environment["Adapter__AgencyCode"];

            Assert.Equal(expectedUser, user);
            Assert.True(definitions.PasswordMatches(user, password), $"{service.Name}: the password does not match {user}'s hash in definitions.json");
            Assert.Equal("rabbitmq", broker.Host);
            // AMQPS to the broker's TLS listener, its certificate checked against the mounted partnership CA.
            Assert.Equal(("amqps", BrokerConf.SslPort), (broker.Scheme, broker.Port));
            Assert.Equal("/certs/ca.crt", service.Environment["Messaging__CaCertificate"]);
            Assert.Equal(definitions.VirtualHost, Uri.UnescapeDataString(broker.AbsolutePath.TrimStart('/')));
            // definitions.json declares the queues as quorum queues: an app declaring them classic would be refused.
            Assert.Equal("true", service.Environment["Messaging__QuorumQueues"]);
        });
    }

    [Fact]
    public void The_hub_reads_the_adapters_error_queues_through_the_management_api_as_its_own_broker_user()
    {
        var definitions = BrokerDefinitions.Load();
        var management = new Uri(Compose.Value["hub"].Environment["Operations__RabbitMqManagement"]);
        var user = Uri.UnescapeDataString(management.UserInfo.Split(':')[0]);

        Assert.Equal(("hub", "rabbitmq", "https", BrokerConf.ManagementSslPort), (user, management.Host, management.Scheme, management.Port));
        // The management client trusts the same CA as the AMQPS connection (Messaging:CaCertificate).
        Assert.Equal("/certs/ca.crt", Compose.Value["hub"].Environment["Messaging__CaCertificate"]);
        Assert.True(definitions.PasswordMatches(user, Uri.UnescapeDataString(management.UserInfo.Split(':', 2)[1])));
        Assert.Equal(["management"], definitions.Users["hub"]); // the API with the hub's own permissions, no more
    }

    [Fact]
    public void The_hub_does_not_host_the_adapters_when_they_run_as_their_own_services()
    {
        Assert.Equal("false", Compose.Value["hub"].Environment["Adapters__Embedded"]);
    }

    [Fact]
    public void The_broker_listens_only_over_tls_with_its_own_certificate_from_the_partnership_ca_mounted_read_only()
    {
        var conf = BrokerConf.Load();
        var rabbitmq = Compose.Value["rabbitmq"];

        Assert.Equal("none", conf["listeners.tcp"]); // no plain AMQP
        Assert.Equal(BrokerConnection.AmqpsPort.ToString(), conf["listeners.ssl.default"]);
        Assert.Equal("verify_peer", conf["ssl_options.verify"]);
        Assert.Equal("false", conf["ssl_options.fail_if_no_peer_cert"]); // the apps authenticate with their password
        // The broker gets the CA, its certificate and its key, and no other file of certs/ (no agency's key).
        var files = new Dictionary<string, string>
        {
            ["cacertfile"] = "ca.crt", ["certfile"] = "rabbitmq.crt", ["keyfile"] = "rabbitmq.key",
        };
        foreach (var prefix in new[] { "ssl_options", "management.ssl" })
            Assert.All(files, file => Assert.Contains(rabbitmq.Mounts, m =>
                m.Target == conf[$"{prefix}.{file.Key}"] && m.ReadOnly && m.Source == Repo.PathOf("compose", "certs", file.Value)));
        Assert.Equal(files.Values.Order(), rabbitmq.Mounts.Where(m => m.Source.StartsWith(Repo.PathOf("compose", "certs"))).Select(m => Path.GetFileName(m.Source)).Order());
        // Management over HTTPS only, published on this machine's loopback; no plain-HTTP management port.
        Assert.False(conf.ContainsKey("management.tcp.port"));
        Assert.Contains(new ComposePort("127.0.0.1", BrokerConf.ManagementSslPort, BrokerConf.ManagementSslPort), rabbitmq.Published);
        Assert.DoesNotContain(rabbitmq.Published, p => p.ContainerPort is 5672 or 5671 or 15672);
    }

    [Fact]
    public void The_broker_certificate_is_issued_by_hubctl_for_the_broker_host_as_the_certificates_readme_says()
    {
        var readme = File.ReadAllText(Repo.PathOf("compose", "certs", "README.md"));
        // hubctl certs server --name rabbitmq writes rabbitmq.crt/.key, the files rabbitmq.conf names.
        Assert.Matches(@"hubctl certs server rabbitmq( [a-z0-9.-]+)* --name rabbitmq --dir compose/certs", readme);
        Assert.Contains("--name", File.ReadAllText(Repo.PathOf("src", "EscalationHub.Cli", "Commands", "CertificateCommands.cs")));
        Assert.Contains("chown 999 compose/certs/rabbitmq.key", readme); // the rabbitmq user of the image reads its key
    }

    [Fact]
    public void The_dashboard_and_metrics_are_served_over_https_with_the_hubs_certificate_on_a_published_port()
    {
        var hub = Compose.Value["hub"];
        var dashboard = new Uri(hub.Environment["Dashboard__Urls"]);

        Assert.Equal(("https", "0.0.0.0"), (dashboard.Scheme, dashboard.Host));
        Assert.NotEqual(new Uri(hub.Environment["Urls"]).Port, dashboard.Port);
        Assert.Contains(hub.Published, p => p.ContainerPort == dashboard.Port && p.HostIp == "127.0.0.1");
        // The hub's listeners: an https:// address is served with the hub's certificate (Tls settings); /metrics is
        // mapped on the dashboard's listener.
        var listeners = File.ReadAllText(Repo.PathOf("src", "EscalationHub.Server", "Operations", "HubListeners.cs"));
        Assert.Contains("address.Scheme == \"https\"", listeners);
        Assert.Contains("o.UseHttps()", listeners);
        Assert.Contains("https.ServerCertificate = certificates.Server", File.ReadAllText(Repo.PathOf("src", "EscalationHub.Server", "Security", "TlsRegistration.cs")));
        Assert.Contains("MapPrometheusScrapingEndpoint(\"/metrics\").RequireListener(HubListeners.Dashboard)",
            File.ReadAllText(Repo.PathOf("src", "EscalationHub.Server", "Operations", "OperationsRegistration.cs")));
    }

    [Fact]
    public void Where_the_operator_token_lives_is_the_file_the_hub_makes_beside_its_store()
    {
        var hub = Compose.Value["hub"];
        // OperatorToken: unset, the token is generated into operator-token in the folder of Store:Path.
        var code = File.ReadAllText(Repo.PathOf("src", "EscalationHub.Server", "Operations", "OperatorToken.cs"));
        Assert.Contains("Path.Combine(Path.GetDirectoryName(storePath)!, \"operator-token\")", code);
        Assert.DoesNotContain("Operations__OperatorToken", hub.Environment.Keys);
        var tokenFile = Path.GetDirectoryName(hub.Environment["Store__Path"]) + "/operator-token";
        Assert.Contains(hub.Mounts, m => m.Target == Path.GetDirectoryName(hub.Environment["Store__Path"]) && m.IsNamedVolume);

        Assert.Contains($"docker compose exec hub cat {tokenFile}", File.ReadAllText(Repo.PathOf("compose", "docker-compose.yml")));
        Assert.Contains($"docker compose exec hub cat {tokenFile}", File.ReadAllText(Repo.PathOf("docs", "production.md")));
    }

    [Fact]
    public void Every_app_reads_its_broker_settings_with_the_apps_own_code_as_one_tls_node()
    {
        Assert.All(Apps, service =>
        {
            var broker = BrokerConnection.From(new BusSettings
            {
                RabbitMq = service.Environment["Messaging__RabbitMq"],
                CaCertificate = service.Environment["Messaging__CaCertificate"],
                ClusterNodes = service.Environment.GetValueOrDefault("Messaging__ClusterNodes"),
            }, checkFiles: false);
            Assert.True(broker.UsesTls);
            Assert.Equal([new BrokerNode("rabbitmq", BrokerConnection.AmqpsPort)], broker.Nodes);
            Assert.Equal(BrokerDefinitions.Load().VirtualHost, broker.VirtualHost);
        });
    }
}
