using EscalationHub.Adapters.Runtime;
using EscalationHub.Adapters.Runtime.Ledger;
using EscalationHub.Messaging;

EscalationHub.Security.DataAtRest.Protect(); // as the real adapters do
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var agencyCode = builder.Configuration["Adapter:AgencyCode"] ?? "uhl-health";
builder.AddAgencyAdapter(agencyCode, builder.Configuration["Adapter:DataDirectory"] ?? "data", _ => { }, (_, _) => { });
builder.AddEscalationHubBus();
builder.Services.AddHealthChecks();

var app = builder.Build();
app.MapHealthChecks("/health");
// POST /approve?childFile=CF-...&index=0&role=...: the agency signs a verified entry of its replica.
app.MapPost("/approve", async (string childFile, long index, string role, RecordApprovals approvals, CancellationToken ct) =>
{
    try
    {
        return Results.Ok(new { messageId = await approvals.ApproveAsync(agencyCode, childFile, index, role, ct) });
    }
    catch (InvalidOperationException ex)
    {
        return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
    }
});
app.Run();
