using EscalationHub.Server.Agencies;

namespace EscalationHub.Server.Concerns;

public static class ConcernsRegistration
{
    public static IHostApplicationBuilder AddConcerns(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AgencyDirectory>();
        builder.Services.AddSingleton<ConcernWatchers>();
        builder.Services.AddScoped<RaiseConcernHandler>();
        builder.Services.AddScoped<AcknowledgeConcernHandler>();
        builder.Services.AddScoped<DecideConcernHandler>();
        return builder;
    }
}
