using EscalationHub.Adapters.SocialCare;
using EscalationHub.Messaging;

// The children's social care adapter as its own process, against the broker named in Messaging:RabbitMq.
// Settings are read from beside the binary, whatever the working directory; data lives under the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddSocialCareAdapter(
    builder.Configuration["Adapter:AgencyCode"] ?? "leics-socialcare",
    builder.Configuration["Adapter:DataDirectory"] ?? "data");
builder.AddEscalationHubBus();
builder.Services.AddHealthChecks();

var app = builder.Build();
app.MapHealthChecks("/health");
app.Run();
