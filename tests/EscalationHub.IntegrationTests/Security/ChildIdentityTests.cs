using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Data.Sqlite;
using L = EscalationHub.Ledger;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.IntegrationTests.Security;

/// <summary>One hub (embedded default: the four adapters in process, each keeping its verified copy of its child
/// files) for the child-identity tests, with the hospital's MLLP listener on a known port.</summary>
public sealed class ChildIdentityHub : IAsyncLifetime
{
    public int MllpPort { get; } = Ports.Free(Ports.ServerMin, Ports.ServerMax);
    public TestHub Hub { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string> { ["Adapters:Health:Mllp:Port"] = MllpPort.ToString() });

    public async Task DisposeAsync() => await Hub.DisposeAsync();
}

/// <summary>
/// Issue 14 item 2: an NHS number alone no longer gives a child's identity or file. A concern joins the file held for
/// its NHS number only with the same date of birth and a matching name; otherwise it is refused (FAILED_PRECONDITION,
/// nothing of the held identity in the answer, nothing stored), over gRPC and over the bus. A join is recorded on the
/// file and told to its parties; a newly joined agency sees the earlier entries as metadata only unless it states why
/// it reads them, and that read is audited. Replies carry the child as the caller gave it. Real hub process, HTTP/2,
/// mutual TLS by agency certificate.
/// </summary>
public sealed class ChildIdentityTests(ChildIdentityHub fixture) : IClassFixture<ChildIdentityHub>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private const string School = "oakfield-school";
    private readonly TestHub hub = fixture.Hub;

    private RaiseConcernRequest HospitalRaises(string nhsNumber) => Raise(nhsNumber, "uhl-health", "Amelia", "Testchild", new Date { Year = 2024, Month = 3, Day = 14 });

    private static RaiseConcernRequest Raise(string nhsNumber, string raiser, string given, string family, Date dateOfBirth) => new()
    {
        IdempotencyKey = Guid.NewGuid().ToString(),
        Child = new Child { NhsNumber = nhsNumber, GivenName = given, FamilyName = family, DateOfBirth = dateOfBirth },
        RaisedBy = new Actor { AgencyCode = raiser, Role = raiser == School ? "Designated safeguarding lead" : "Paediatric registrar" },
        AddressedToAgencyCode = "leics-socialcare",
        Category = ConcernCategory.Neglect,
        HarmLevel = HarmLevel.Standard,
        Details = "Repeatedly arrives hungry and in unwashed clothes; says there is no food at home.",
    };

    /// <summary>The hospital's concern about a fresh child (its own NHS number), decided by social care's simulator.</summary>
    private async Task<Concern> HospitalConcernAsync()
    {
        var concern = await hub.As("uhl-health").Concerns.RaiseConcernAsync(HospitalRaises(NewNhsNumber()));
        await Requests.WatchUntilDecidedAsync(hub.As("uhl-health").Concerns, concern.ConcernId, Patience);
        return concern;
    }

    private static string NewNhsNumber()
    {
        while (true)
        {
            var digits = Enumerable.Range(0, 9).Select(_ => Random.Shared.Next(10)).ToArray();
            var check = 11 - digits.Select((d, i) => d * (10 - i)).Sum() % 11;
            if (check == 10) continue;
            var number = string.Concat(digits) + (check == 11 ? 0 : check);
            if (number != "0000000000") return number;
        }
    }

    private long LedgerEntries(string childFileId) => hub.Count("LedgerEntries", "ChildFileId = $f", ("$f", childFileId));

    private long ContentEntries(string childFileId) =>
        hub.Count("LedgerEntries", "ChildFileId = $f AND EntryType <> 'child-file.read'", ("$f", childFileId));

    [Fact]
    public async Task A_school_naming_the_hospitals_NHS_number_with_another_name_and_birth_date_is_refused_told_nothing_and_gets_no_file()
    {
        var hospital = await HospitalConcernAsync();
        var nhsNumber = (await hub.As("uhl-health").Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = hospital.ConcernId, AgencyCode = "uhl-health" })).Child.NhsNumber;
        var before = await hub.SettledCountsAsync();
        var entriesBefore = ContentEntries(hospital.ChildFileId);
        var request = Raise(nhsNumber, School, "Oliver", "Smith", new Date { Year = 2019, Month = 7, Day = 1 });

        var error = await Assert.ThrowsAsync<RpcException>(() => hub.As(School).Concerns.RaiseConcernAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        var violation = Assert.Single(error.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("child", violation.Field);
        Assert.Contains("do not match", violation.Description);
        // Every text trailer but the transport's own (date, server), which say nothing of the child.
        var everything = error.Status.Detail + violation.Description + string.Join(",", error.Trailers
            .Where(t => !t.IsBinary && t.Key is not ("date" or "server")).Select(t => t.Value));
        foreach (var held in new[] { "Amelia", "Testchild", "2024", "-03-14", "14/03", hospital.ChildFileId })
            Assert.DoesNotContain(held, everything, StringComparison.OrdinalIgnoreCase);
        // Nothing stored: no concern, status, outbox message, idempotency record, file or ledger entry.
        Assert.Equal(before, await hub.SettledCountsAsync());
        Assert.Equal(0, hub.Count("Concerns", "RaisedByAgency = $a", ("$a", School)));
        Assert.Equal(entriesBefore, ContentEntries(hospital.ChildFileId));
        // The school holds nothing of the file: it can neither read it nor open a disagreement about it.
        var read = await Assert.ThrowsAsync<RpcException>(() => hub.As(School).Ledger.GetChildFileAsync(
            new GetChildFileRequest { ChildFileId = hospital.ChildFileId, AgencyCode = School }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, read.StatusCode); // the same answer as for a file that does not exist
        var open = await Assert.ThrowsAsync<RpcException>(() => hub.As(School).Escalations.OpenDisagreementAsync(
            Disagreements.Open(hospital.ChildFileId, raiser: School, responder: "leics-police")).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, open.StatusCode);
        Assert.Equal(0, hub.Count("Disagreements", "RaisedByAgency = $a", ("$a", School)));
    }

    [Fact]
    public async Task A_school_with_the_same_birth_date_and_given_name_under_a_new_family_name_joins_the_file_and_the_hospital_is_told()
    {
        var hospital = await HospitalConcernAsync();
        var nhsNumber = (await hub.As("uhl-health").Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = hospital.ConcernId, AgencyCode = "uhl-health" })).Child.NhsNumber;
        var request = Raise(nhsNumber, School, "amélia", "Newfamily", new Date { Year = 2024, Month = 3, Day = 14 });

        var school = await hub.As(School).Concerns.RaiseConcernAsync(request);

        Assert.Equal(hospital.ChildFileId, school.ChildFileId);
        // Replies echo what the school sent, never the names the hospital gave.
        Assert.Equal(("amélia", "Newfamily"), (school.Child.GivenName, school.Child.FamilyName));
        var got = await hub.As(School).Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = school.ConcernId, AgencyCode = School });
        Assert.Equal(("amélia", "Newfamily"), (got.Child.GivenName, got.Child.FamilyName));
        var hospitals = await hub.As("uhl-health").Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = hospital.ConcernId, AgencyCode = "uhl-health" });
        Assert.Equal(("Amelia", "Testchild"), (hospitals.Child.GivenName, hospitals.Child.FamilyName));
        // The message to social care about the school's concern carries the school's details too.
        var toSocialCare = await Until(() => Received("leics-socialcare").Where(r => r.Body.Contains(school.ConcernId)).ToList(), r => r.Count > 0, Patience);
        Assert.All(toSocialCare, r => Assert.DoesNotContain("Testchild", r.Body));

        // The join is on the file, before the school's own concern, and the hospital's adapter was told.
        var file = await hub.As("uhl-health").Ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = hospital.ChildFileId, AgencyCode = "uhl-health" });
        var joined = Assert.Single(file.Entries, e => e.EntryType == "child-file.party-joined");
        var entry = L.LedgerEntry.Parse(joined.CanonicalBytes.ToByteArray());
        Assert.Equal((School, school.ConcernId), (entry.AuthorAgencyCode, entry.CaseId));
        Assert.Contains($"\"agency\":\"{School}\"", System.Text.Encoding.UTF8.GetString(entry.Payload.Span), StringComparison.OrdinalIgnoreCase);
        Assert.True(joined.Index < file.Entries.Single(e => e.EntryType == "concern.raised" && e.CaseId == school.ConcernId).Index);
        await Until(() => JoinsRecorded("uhl-health", hospital.ChildFileId), n => n == 1, Patience);
        var told = await Until(() => Received("uhl-health").Where(r => r.Body.Contains(hospital.ChildFileId) && r.Body.Contains(School)).ToList(),
            r => r.Count > 0, Patience);
        Assert.All(told, r => Assert.DoesNotContain("Newfamily", r.Body));
        // Social care was already party; it is told too. The school, the one joining, is not told about itself.
        await Until(() => JoinsRecorded("leics-socialcare", hospital.ChildFileId), n => n == 1, Patience);
        Assert.Equal(0, JoinsRecorded(School, hospital.ChildFileId));
    }

    [Fact]
    public async Task A_newly_joined_school_sees_earlier_entries_as_metadata_only_unless_it_states_a_purpose_and_that_read_is_audited()
    {
        var hospital = await HospitalConcernAsync();
        var nhsNumber = (await hub.As("uhl-health").Concerns.GetConcernAsync(new GetConcernRequest { ConcernId = hospital.ConcernId, AgencyCode = "uhl-health" })).Child.NhsNumber;
        var school = await hub.As(School).Concerns.RaiseConcernAsync(Raise(nhsNumber, School, "Amelia", "Newname", new Date { Year = 2024, Month = 3, Day = 14 }));
        var ledger = hub.As(School).Ledger;

        var plain = await ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = school.ChildFileId, AgencyCode = School });
        var replication = await hub.AsReplica(School).Ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = school.ChildFileId, AgencyCode = School, Purpose = ReadPurpose.Replication });

        var joinedAt = plain.Entries.Single(e => e.EntryType == "child-file.party-joined").Index;
        foreach (var read in new[] { plain, replication })
        {
            var earlier = read.Entries.Where(e => e.Index < joinedAt).ToList();
            Assert.Contains(earlier, e => e.EntryType == "concern.raised");
            Assert.Contains(earlier, e => e.EntryType == "concern.decided");
            Assert.All(earlier, e =>
            {
                Assert.True(e.CanonicalBytes.IsEmpty, $"entry #{e.Index} ({e.EntryType}) disclosed its content");
                Assert.Equal(32, e.LeafHash.Length);
                Assert.Equal("", e.CaseId);
                Assert.NotEqual("", e.AuthorAgencyCode);
                Assert.NotNull(e.RecordedAt);
            });
            Assert.All(read.Entries.Where(e => e.Index >= joinedAt), e => Assert.False(e.CanonicalBytes.IsEmpty));
        }

        // A stated purpose discloses the earlier entries in full, and that read is on the file's audit trail.
        var assessment = await ledger.GetChildFileAsync(new GetChildFileRequest
        {
            ChildFileId = school.ChildFileId, AgencyCode = School, Purpose = ReadPurpose.Assessment, ReaderRole = "Designated safeguarding lead",
        });
        Assert.All(assessment.Entries, e => Assert.Equal(L.TreeHasher.HashLeaf(e.CanonicalBytes.ToByteArray()).ToArray(), e.LeafHash.ToByteArray()));
        var hospitalRaised = Assert.Single(assessment.Entries, e => e.EntryType == "concern.raised" && e.CaseId == hospital.ConcernId);
        Assert.True(hospitalRaised.Index < joinedAt);
        var trail = await hub.As("uhl-health").Ledger.ListChildFileReadsAsync(new ListChildFileReadsRequest { ChildFileId = school.ChildFileId, AgencyCode = "uhl-health" });
        Assert.Contains(trail.Reads, r => (r.ReaderAgencyCode, r.Call, r.Purpose, r.ReaderRole) == (School, "Ledger/GetChildFile", "assessment", "Designated safeguarding lead"));

        // The hospital, there from the start, sees everything without stating a purpose.
        var hospitals = await hub.As("uhl-health").Ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = school.ChildFileId, AgencyCode = "uhl-health" });
        Assert.All(hospitals.Entries, e => Assert.False(e.CanonicalBytes.IsEmpty));

        // The school's own verified copy (its adapter's replica, fetched as REPLICATION) holds the file, proved, no alarm.
        await Until(() => ReplicaEntries(School, school.ChildFileId), n => n > joinedAt - plain.Entries[0].Index && n >= plain.Entries.Count, Patience);
        Assert.Equal(0, ReplicaAlarms(School));
    }

    [Fact]
    public async Task A_responding_agency_named_in_a_disagreement_joins_the_file_on_the_record_and_the_parties_are_told()
    {
        var hospital = await HospitalConcernAsync();

        var opened = await hub.As("uhl-health").Escalations.OpenDisagreementAsync(Disagreements.Open(hospital.ChildFileId, responder: "leics-police"));

        var file = await hub.As("uhl-health").Ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = hospital.ChildFileId, AgencyCode = "uhl-health" });
        var joined = Assert.Single(file.Entries, e => e.EntryType == "child-file.party-joined");
        var entry = L.LedgerEntry.Parse(joined.CanonicalBytes.ToByteArray());
        Assert.Equal(("uhl-health", opened.DisagreementId), (entry.AuthorAgencyCode, entry.CaseId));
        Assert.Contains("\"agency\":\"leics-police\"", System.Text.Encoding.UTF8.GetString(entry.Payload.Span));
        Assert.True(joined.Index < file.Entries.Where(e => e.CaseId == opened.DisagreementId && e.EntryType != "child-file.party-joined").Min(e => e.Index));
        await Until(() => Query("leics-socialcare", $"SELECT COUNT(*) FROM child_file_parties WHERE child_file_id = '{hospital.ChildFileId}' AND agency_code = 'leics-police'",
            r => r.GetInt64(0)).SingleOrDefault(), n => n == 1, Patience);
        await Until(() => Received("leics-socialcare").Count(r => r.Kind == "child-file.party-joined" && r.Body.Contains(hospital.ChildFileId)), n => n == 1, Patience);
        // The police, newly joined, see the hospital's concern on the file as metadata only.
        var police = await hub.As("leics-police").Ledger.GetChildFileAsync(new GetChildFileRequest { ChildFileId = hospital.ChildFileId, AgencyCode = "leics-police" });
        Assert.True(police.Entries.Single(e => e.Index == file.Entries.First(x => x.EntryType == "concern.raised").Index).DetailsWithheld);
    }

    [Fact]
    public async Task An_HL7_referral_naming_a_held_NHS_number_with_another_childs_details_is_refused_back_to_the_hospital_and_stores_nothing()
    {
        // The school holds the file for the NHS number the sample referral names, for a different child.
        var schools = await hub.As(School).Concerns.RaiseConcernAsync(Raise("4010232137", School, "Maya", "Jones", new Date { Year = 2018, Month = 5, Day = 5 }));
        await Requests.WatchUntilDecidedAsync(hub.As(School).Concerns, schools.ConcernId, Patience, asAgency: School);
        var before = await hub.SettledCountsAsync();
        var entriesBefore = ContentEntries(schools.ChildFileId);
        using var mllp = await MllpClient.ConnectAsync(fixture.MllpPort);

        var ack = await mllp.SendAsync(MllpClient.Sample("ref-i12-minimal-lf.hl7"));

        Assert.Equal("AA", MllpClient.Msa(ack).Item1); // the adapter took the referral; the hub answers it on the bus
        var refusal = await Until(() => Received("uhl-health").Where(r => r.Kind == "task.rejected" && r.Body.Contains("ICE00044720")).ToList(),
            r => r.Count > 0, Patience);
        var body = Assert.Single(refusal).Body;
        Assert.Contains("child: the date of birth and name do not match", body);
        foreach (var held in new[] { "Maya", "Jones", "2018" }) Assert.DoesNotContain(held, body);
        Assert.Equal(0, hub.Count("Concerns", "IdempotencyKey = 'hl7:RWE:ICE00044720'"));
        var after = await hub.SettledCountsAsync();
        Assert.Equal(before["Concerns"], after["Concerns"]);
        Assert.Equal(before["ChildFiles"], after["ChildFiles"]);
        Assert.Equal(entriesBefore, ContentEntries(schools.ChildFileId));
    }

    private static async Task<T> Until<T>(Func<T> read, Func<T, bool> done, TimeSpan patience)
    {
        var until = DateTime.UtcNow + patience;
        var value = read();
        while (!done(value))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"timed out; last seen: {value}");
            await Task.Delay(200);
            value = read();
        }
        return value;
    }

    private IReadOnlyList<(string Kind, string Body)> Received(string agencyCode) =>
        Query(agencyCode, "SELECT kind, body FROM simulator_received ORDER BY sequence", r => (r.GetString(0), r.GetString(1)));

    /// <summary>The joins of the school to a child file recorded in an adapter's case directory.</summary>
    private long JoinsRecorded(string agencyCode, string childFileId) =>
        Query(agencyCode, $"SELECT COUNT(*) FROM child_file_parties WHERE child_file_id = '{childFileId}' AND agency_code = '{School}'", r => r.GetInt64(0)).SingleOrDefault();

    private long ReplicaEntries(string agencyCode, string childFileId) =>
        Query(agencyCode, $"SELECT COUNT(*) FROM ledger_entries WHERE child_file_id = '{childFileId}'", r => r.GetInt64(0)).SingleOrDefault();

    private long ReplicaAlarms(string agencyCode) =>
        Query(agencyCode, "SELECT COUNT(*) FROM ledger_alarms", r => r.GetInt64(0)).SingleOrDefault();

    private IReadOnlyList<T> Query<T>(string agencyCode, string sql, Func<SqliteDataReader, T> read)
    {
        var path = Path.Combine(hub.Directory, $"adapter-{agencyCode}.db");
        if (!File.Exists(path)) return [];
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read()) rows.Add(read(reader));
            return rows;
        }
        catch (SqliteException)
        {
            return []; // a table the adapter has not made yet
        }
    }
}
