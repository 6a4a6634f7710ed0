using EscalationHub.Adapters.Runtime;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EscalationHub.Adapters.SocialCare;

public static class SocialCareAdapter
{
    /// <summary>Hosts the children's social care adapter for one agency code.</summary>
    public static IHostApplicationBuilder AddSocialCareAdapter(this IHostApplicationBuilder builder, string agencyCode, string dataDirectory)
    {
        builder.Services.TryAddSingleton(new SimulatedSocialCareSystem(builder.Configuration["SocialCare:OutageFile"]));
        return builder.AddAgencyAdapter(agencyCode, dataDirectory,
            x => x.AddConsumer<ConcernRaisedConsumer>(),
            (e, context) => e.ConfigureConsumer<ConcernRaisedConsumer>(context));
    }
}
