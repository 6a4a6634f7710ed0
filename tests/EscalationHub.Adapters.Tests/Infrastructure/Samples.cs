using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.Tests.Infrastructure;

public static class Samples
{
    public static string Hl7(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", "hl7", name));

    public static byte[] Hl7Bytes(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Samples", "hl7", name));

    public static string Fhir(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", "fhir", name));

    /// <summary>A concern as the hub sends it to the addressed agency.</summary>
    public static ConcernRaised Concern(string addressedTo, string nhsNumber = "9434765919", string givenName = "Amelia",
        HarmLevel harm = HarmLevel.SignificantHarm, ConcernCategory category = ConcernCategory.PhysicalAbuse) => new(
        Guid.NewGuid(), "CN-" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant(), "CF-ABC123",
        new ChildDetails(nhsNumber, givenName, "Testchild", new DateOnly(2024, 3, 14)),
        new ActorRef("uhl-health", "Paediatric registrar"), addressedTo, category, harm,
        "Bruising to both upper arms inconsistent with the explanation given", DateTimeOffset.UtcNow)
    {
        DecisionDueAt = DateTimeOffset.UtcNow.AddDays(1),
    };

    /// <summary>A disagreement notice as the hub sends it to each party.</summary>
    public static DisagreementNotice Notice(string disagreementId, int sequence = 2, string eventType = "stage-entered", string raisedBy = "uhl-health",
        string childFileId = "CF-ABC123", string? idempotencyKey = null) => new(
        disagreementId, sequence, eventType, DateTimeOffset.UtcNow, "Stage 1: Professionals (the professionals involved); due 2026-12-02 17:00Z (a working week)",
        "Open", 1, "Professionals", DateTimeOffset.UtcNow.AddDays(7), "a working week", false, false, "social worker", [], raisedBy, [childFileId])
    {
        IdempotencyKey = idempotencyKey,
    };
}
