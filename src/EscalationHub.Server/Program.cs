using EscalationHub.Server;
using EscalationHub.Server.Clock;
using EscalationHub.Server.Concerns;
using EscalationHub.Server.Disagreements;
using EscalationHub.Server.Grpc;
using EscalationHub.Server.Ledger;
using EscalationHub.Server.Messaging;
using EscalationHub.Server.Operations;
using EscalationHub.Server.Security;
using EscalationHub.Server.Store;

// Settings are read from beside the binary, whatever the working directory; data lives under the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddHubClock();
builder.AddHubStore();
builder.AddHubGrpc();
builder.AddHubTls();
builder.AddConcerns();
builder.AddDisagreements();
builder.AddHubLedger();
builder.AddEmbeddedAdapters();
builder.AddOperations();
builder.AddHubMessaging();

var app = builder.Build();
await app.MigrateHubStoreAsync();
app.MapHubGrpc();
app.ReportCertificates();
app.MapHubLedger();
app.MapEmbeddedAdapters();
app.MapOperations();
await app.RunAsync();
