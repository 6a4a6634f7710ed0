namespace EscalationHub.Contracts.Messages;

/// <summary>Hub to each agency already party to a child file: another agency has joined the file, as the raiser or the
/// addressed agency of a concern (<paramref name="Through"/> "concern") or as a responding agency named in a
/// disagreement ("disagreement"). <paramref name="CaseId"/> is that concern's or disagreement's id, <paramref name="By"/>
/// the agency and role whose action joined it. No child's details: the file is the child. The join is also an entry on
/// the file's ledger ("child-file.party-joined").</summary>
public record ChildFilePartyJoined(
    string ChildFileId,
    string AgencyCode,
    string Through,
    string CaseId,
    ActorRef By,
    DateTimeOffset JoinedAt);
