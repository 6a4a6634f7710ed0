using EscalationHub.Domain.Calendar;
using EscalationHub.Server.Agencies;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EscalationHub.Server.Concerns;

public static class ConcernsRegistration
{
    public static IHostApplicationBuilder AddConcerns(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AgencyDirectory>();
        // Deadlines are counted on the partnership's working calendar (section "WorkingCalendar"; default England and Wales).
        builder.Services.TryAddSingleton(_ => (builder.Configuration.GetSection("WorkingCalendar").Get<WorkingCalendarOptions>() ?? new WorkingCalendarOptions()).Build());
        builder.Services.AddConcernDecisionRule(builder.Configuration);
        builder.Services.AddSingleton<ConcernWatchers>();
        builder.Services.AddScoped<RaiseConcernHandler>();
        builder.Services.AddScoped<AcknowledgeConcernHandler>();
        builder.Services.AddScoped<DecideConcernHandler>();
        return builder;
    }
}
