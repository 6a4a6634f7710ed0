using EscalationHub.Adapters.Runtime.AgencySystem;
using EscalationHub.Adapters.SocialCare;
using EscalationHub.Messaging;
using EscalationHub.Security;

// The children's social care adapter as its own process, against the broker named in Messaging:RabbitMq.
// Settings are read from beside the binary, whatever the working directory; data lives under the working directory.
DataAtRest.Protect(); // umask 077 and the start-up check of the data folder, before anything is created
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var adapter = builder.AddSocialCareAdapter(builder.Configuration.GetSection("Adapter"));
builder.AddEscalationHubBus();
builder.AddAdapterHost();

var app = builder.Build();
app.MapSocialCareAdapter(adapter);
app.MapAdapterHost();
app.Run();
