using EscalationHub.Domain.Calendar;
using EscalationHub.Domain.Concerns;
using Microsoft.Extensions.DependencyInjection.Extensions;
using D = EscalationHub.Domain.Policies;
using M = EscalationHub.Contracts.Messages;

namespace EscalationHub.Server.Concerns;

/// <summary>The one decision-deadline rule (<see cref="ConcernDecisionRule"/>) on the partnership's calendar, with the
/// procedure's part from Operations:ConcernDecisionTimescale (default "1wd"). RaiseConcern stores the instant it gives;
/// every other surface reads that stored instant.</summary>
public static class ConcernDecisions
{
    /// <summary>Registers the rule; a bad Operations:ConcernDecisionTimescale stops the hub at start, naming it.</summary>
    public static IServiceCollection AddConcernDecisionRule(this IServiceCollection services, IConfiguration configuration)
    {
        var setting = configuration["Operations:ConcernDecisionTimescale"] ?? "1wd";
        if (!Timescale.TryParse(setting, out var decision, out var error) || decision.Kind == TimescaleKind.None)
            throw new EscalationHub.Security.StartRefusedException($"Refusing to start: Operations:ConcernDecisionTimescale (Operations__ConcernDecisionTimescale): {(error.Length > 0 ? error : "a decision on a referral always has a timescale")}");
        services.TryAddSingleton(sp => new ConcernDecisionRule(sp.GetRequiredService<WorkingCalendar>(), decision));
        return services;
    }

    /// <summary>The bus contract's harm level in the domain's words (same names).</summary>
    public static D.HarmLevel ToDomain(this M.HarmLevel harm) => harm switch
    {
        M.HarmLevel.SignificantHarm => D.HarmLevel.SignificantHarm,
        M.HarmLevel.ImminentHarm => D.HarmLevel.ImminentHarm,
        _ => D.HarmLevel.Standard,
    };

    /// <summary>The concern's decision deadline as stored when it was raised, with the words of the rule that set it.
    /// A concern stored without one (none is) gets the rule's instant.</summary>
    public static Deadline DecisionDeadline(this ConcernDecisionRule rule, DateTimeOffset raisedAt, M.HarmLevel harm, DateTimeOffset? stored)
    {
        var computed = rule.DueAt(raisedAt, harm.ToDomain());
        return stored is not { } due || due == computed.Instant ? computed : new Deadline(due, "decision on a referral (as set when raised)");
    }
}
