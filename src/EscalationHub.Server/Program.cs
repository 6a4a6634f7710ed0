using EscalationHub.Security;
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

// Data at rest private to the service user (umask 077, start-up check of the data folder) before anything is created.
DataAtRest.Protect();
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
