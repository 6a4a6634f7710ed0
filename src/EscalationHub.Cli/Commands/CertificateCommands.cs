using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EscalationHub.Security;
using Spectre.Console;

namespace EscalationHub.Cli.Commands;

/// <summary>
/// hubctl certs: the partnership CA's work. <c>ca</c> makes a CA; <c>server</c> the hub's certificate (or, with --name, another server's such as the broker's); <c>agency</c>,
/// <c>replica</c> and <c>operator</c> client certificates (identity in the SAN URI urn:escalationhub:agency:&lt;code&gt;,
/// urn:escalationhub:replica:&lt;code&gt; or urn:escalationhub:operator:&lt;name&gt;); <c>revoke</c> adds a certificate to revoked.txt, which the hub re-reads
/// within a second; <c>show</c> prints what a certificate says. Files go to the CA's directory (--dir) as name.crt and
/// name.key (owner-only), the layout the hub's Tls settings and compose/certs use.
/// </summary>
public static class CertificateCommands
{
    private static readonly Option<string> Dir = new("--dir")
    {
        Description = "The CA's directory: ca.crt/ca.key, issued certificates and revoked.txt (default $HUBCTL_CA_DIR or .)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HUBCTL_CA_DIR") is { Length: > 0 } dir ? dir : ".",
        Recursive = true,
    };

    private static readonly Option<int> Days = new("--days") { Description = "Validity in days (default 365)", DefaultValueFactory = _ => 365 };

    public static Command Create()
    {
        var command = new Command("certs", "The partnership's certificates: make a CA, issue the hub's, an agency's, an agency's replication identity's or an operator's, revoke, show");
        command.Options.Add(Dir);
        command.Subcommands.Add(CreateCa());
        command.Subcommands.Add(Issue("server", "A server certificate for the given host names and addresses: the hub's (hub.crt/.key), or with --name another server's, e.g. the broker's (--name rabbitmq: rabbitmq.crt/.key)",
            new Argument<string[]>("host") { Description = "DNS names or IP addresses the server is reached at", Arity = ArgumentArity.OneOrMore },
            (ca, hosts, notBefore, notAfter) => (null, PartnershipCertificates.IssueServer(ca, hosts, notBefore, notAfter)), ServerFileName));
        command.Subcommands.Add(Issue("agency", "An agency's client certificate (agency-<code>.crt/.key)",
            new Argument<string>("agency-code") { Description = "The agency's registered code" },
            (ca, code, notBefore, notAfter) => (CertificateDirectory.AgencyFileName(code), PartnershipCertificates.IssueClient(ca, CallerIdentity.Agency(code), notBefore, notAfter))));
        command.Subcommands.Add(Issue("replica", "An agency's replication identity (replica-<code>.crt/.key): its ledger replica reads the agency's child files with purpose REPLICATION and checks proofs; it cannot act",
            new Argument<string>("agency-code") { Description = "The agency's registered code" },
            (ca, code, notBefore, notAfter) => (CertificateDirectory.ReplicaFileName(code), PartnershipCertificates.IssueClient(ca, CallerIdentity.Replica(code), notBefore, notAfter))));
        command.Subcommands.Add(Issue("operator", "An operator's client certificate (operator-<name>.crt/.key): Operations only",
            new Argument<string>("name") { Description = "The operator's name (lower-case letters, digits, '-', '.', '_')" },
            (ca, name, notBefore, notAfter) => (CertificateDirectory.OperatorFileName(name), PartnershipCertificates.IssueClient(ca, CallerIdentity.Operator(name), notBefore, notAfter))));
        command.Subcommands.Add(Revoke());
        command.Subcommands.Add(Show());
        return command;
    }

    private static Command CreateCa()
    {
        var name = new Option<string>("--name") { Description = "The CA's name", DefaultValueFactory = _ => "EscalationHub partnership CA" };
        var years = new Option<int>("--years") { Description = "Validity in years (default 10)", DefaultValueFactory = _ => 10 };
        var command = new Command("ca", "Makes the partnership CA (ca.crt, ca.key) and an empty revoked.txt in --dir; refuses to overwrite one") { name, years };
        command.SetAction(parse => Run(() =>
        {
            var dir = parse.GetValue(Dir)!;
            if (File.Exists(CertificateFiles.CertificatePath(dir, "ca")))
                throw new IOException($"{CertificateFiles.CertificatePath(dir, "ca")} exists already");
            var now = DateTimeOffset.UtcNow;
            using var ca = PartnershipCertificates.CreateCa(parse.GetValue(name)!, now.AddMinutes(-5), now.AddYears(parse.GetValue(years)));
            CertificateFiles.Write(ca, dir, "ca");
            // The hub refuses to start without its revocation list: an empty one comes with the CA.
            RevocationList.CreateEmptyIfMissing(Path.Combine(dir, "revoked.txt"));
            AnsiConsole.WriteLine($"CA {ca.Subject} serial {CertificateFiles.Serial(ca)} written to {CertificateFiles.CertificatePath(dir, "ca")} (key: ca.key, keep it offline; empty revoked.txt beside it)");
        }));
        return command;
    }

    /// <summary>The server certificate's file name (name.crt/.key): hub unless told otherwise (the broker's is rabbitmq).</summary>
    private static readonly Option<string> ServerFileName = new("--name")
    {
        Description = "The files to write, name.crt and name.key (default hub; rabbitmq for the broker's certificate)",
        DefaultValueFactory = _ => "hub",
    };

    private static Command Issue<T>(string verb, string description, Argument<T> argument,
        Func<X509Certificate2, T, DateTimeOffset, DateTimeOffset, (string? File, X509Certificate2 Certificate)> issue, Option<string>? fileName = null)
    {
        var command = new Command(verb, description) { argument, Days };
        if (fileName is not null) command.Options.Add(fileName);
        command.SetAction(parse => Run(() =>
        {
            var dir = parse.GetValue(Dir)!;
            var values = parse.GetValue(argument)!;
            // The server's argument is its host names, checked by the issuer; its file name comes from --name.
            var name = fileName is not null ? parse.GetValue(fileName)! : values as string;
            if (name is not null && !CallerIdentity.IsValidName(name))
                throw new ArgumentException($"'{name}': use 1..64 lower-case letters, digits, '-', '.' or '_'");
            if (fileName is not null && name is "ca")
                throw new ArgumentException($"'{name}' is the CA's own file name");
            using var ca = CertificateFiles.LoadWithKey(CertificateFiles.CertificatePath(dir, "ca"));
            var now = DateTimeOffset.UtcNow;
            var (issuedFile, certificate) = issue(ca, values, now.AddMinutes(-5), now.AddDays(parse.GetValue(Days)));
            var file = issuedFile ?? name!;
            using (certificate)
            {
                CertificateFiles.Write(certificate, dir, file);
                AnsiConsole.WriteLine($"{file}.crt serial {CertificateFiles.Serial(certificate)} valid until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm}Z " +
                                      $"written to {CertificateFiles.CertificatePath(dir, file)} (key: {file}.key, owner-only)");
            }
        }));
        return command;
    }

    private static Command Revoke()
    {
        var target = new Argument<string>("certificate") { Description = "A certificate file (.crt/.pem), or its serial number (hex)" };
        var reason = new Option<string>("--reason") { Description = "Why (kept as a comment in the list)", DefaultValueFactory = _ => "" };
        var list = new Option<string?>("--revocation-list") { Description = "The list to add to (default revoked.txt in --dir)" };
        var command = new Command("revoke", "Revokes a certificate: the hub refuses it within a second, on open connections too") { target, reason, list };
        command.SetAction(parse => Run(() =>
        {
            var value = parse.GetValue(target)!;
            var path = parse.GetValue(list) ?? Path.Combine(parse.GetValue(Dir)!, "revoked.txt");
            string serial, subject;
            if (File.Exists(value))
            {
                using var certificate = CertificateFiles.LoadCertificate(value);
                (serial, subject) = (CertificateFiles.Serial(certificate), certificate.Subject);
            }
            else if (value.Replace(":", "").All(Uri.IsHexDigit) && value.Length >= 2) (serial, subject) = (RevocationList.Normalise(value), "");
            else throw new ArgumentException($"'{value}' is neither a certificate file nor a hex serial number");
            RevocationList.Append(path, serial, $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {subject} {parse.GetValue(reason)}".Trim());
            AnsiConsole.WriteLine($"revoked serial {serial} {subject} in {path}");
        }));
        return command;
    }

    private static Command Show()
    {
        var file = new Argument<string>("certificate") { Description = "A certificate file (.crt/.pem)" };
        var command = new Command("show", "What a certificate says: identity, serial, validity, issuer") { file };
        command.SetAction(parse => Run(() =>
        {
            using var certificate = CertificateFiles.LoadCertificate(parse.GetValue(file)!);
            var identity = CallerIdentity.FromCertificate(certificate, out var error);
            AnsiConsole.WriteLine($"identity: {(identity is null ? $"none ({error})" : identity.Uri)}");
            AnsiConsole.WriteLine($"subject:  {certificate.Subject}");
            AnsiConsole.WriteLine($"issuer:   {certificate.Issuer}");
            AnsiConsole.WriteLine($"serial:   {CertificateFiles.Serial(certificate)}");
            AnsiConsole.WriteLine($"sha-256:  {CertificateFiles.Sha256Thumbprint(certificate)}");
            AnsiConsole.WriteLine($"valid:    {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm}Z to {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm}Z");
        }));
        return command;
    }

    private static int Run(Action action)
    {
        try
        {
            action();
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is IOException or CryptographicException or ArgumentException or UnauthorizedAccessException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{ex.Message}[/]");
            return ExitCodes.UsageOrIo;
        }
    }
}
