using EscalationHub.Contracts.V1;
using EscalationHub.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace EscalationHub.Dashboard.Tests;

/// <summary>The dashboard as an operator uses it: a real browser against a real hub process (the embedded default),
/// with the simulated social care case system switched off and on through its outage file.</summary>
public sealed class DashboardTests : IAsyncLifetime
{
    private TestHub hub = null!;
    private IPlaywright playwright = null!;
    private IBrowser browser = null!;
    private IPage page = null!;
    private string outageFile = null!;

    public async Task InitializeAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"eh-dash-{Guid.NewGuid():N}");
        outageFile = Path.Combine(directory, "socialcare-outage");
        hub = await TestHub.StartAsync(brokerUri: null, new Dictionary<string, string>
        {
            ["SocialCare:OutageFile"] = outageFile,
            ["Adapter:HeartbeatInterval"] = "00:00:02",
        }, directory);
        (playwright, browser) = await Chromium.LaunchAsync();
        page = await browser.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
        await hub.DisposeAsync();
    }

    private async Task SignInAsync(string path = "/")
    {
        await page.GotoAsync(hub.DashboardAddress + path);
        await page.FillAsync("#token", TestHub.OperatorToken);
        await page.ClickAsync("#login button[type=submit]");
        await page.Locator("#board").WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 10_000 });
    }

    [Fact]
    public async Task A_concern_raised_while_the_dashboard_is_open_appears_live_without_a_reload()
    {
        await SignInAsync();
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");

        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());

        var acknowledged = page.Locator($"#flow tbody tr[data-case-reference='{concern.Reference}']", new() { HasText = "ConcernRaised" })
            .Locator("td.status-Acknowledged");
        await acknowledged.WaitForAsync(new() { Timeout = 20_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");
        Assert.Contains("leics-socialcare", await page.Locator("#adapters tbody").InnerTextAsync(new() { Timeout = 10_000 }));
    }

    [Fact]
    public async Task Redriving_a_dead_letter_from_the_page_delivers_it()
    {
        await File.WriteAllTextAsync(outageFile, "down");
        var concern = await hub.Concerns.RaiseConcernAsync(Requests.HospitalReferral());
        await SignInAsync();

        var row = page.Locator("#dead-letters tbody tr", new() { HasText = concern.Reference });
        await row.WaitForAsync(new() { Timeout = 45_000 });
        Assert.Contains("simulated outage", await row.InnerTextAsync());
        await page.Locator("#overdue tbody tr", new() { HasText = concern.Reference }).WaitForAsync(new() { Timeout = 20_000 });

        File.Delete(outageFile);
        await row.Locator("button.redrive").ClickAsync();

        var changes = await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));
        Assert.Equal(ConcernStatus.Decided, changes.Last().Status);
        await row.WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 10_000 });
        Assert.Contains("sent to agency.leics-socialcare", await page.Locator("#redrive-result").InnerTextAsync());
        Assert.Equal(1, hub.Count("Redrives", "By = 'dashboard'"));
    }

    [Fact]
    public async Task No_name_nhs_number_or_free_text_appears_on_the_dashboard_or_the_report()
    {
        var request = Requests.HospitalReferral();
        request.Child.GivenName = "Quenbyrtha";
        request.Child.FamilyName = "Marvolostone";
        request.Child.NhsNumber = "401 023 2137";
        request.Details = "Peculiarly patterned contusions zzqx";
        var concern = await hub.Concerns.RaiseConcernAsync(request);
        await Requests.WatchUntilDecidedAsync(hub.Concerns, concern.ConcernId, TimeSpan.FromSeconds(30));

        await SignInAsync();
        await page.Locator($"#flow tbody tr[data-case-reference='{concern.Reference}']").First.WaitForAsync(new() { Timeout = 20_000 });
        var board = await page.ContentAsync();
        await page.GotoAsync(hub.DashboardAddress + "/report.html");
        await page.Locator("#groups tbody tr", new() { HasText = "uhl-health → leics-socialcare" }).First.WaitForAsync(new() { Timeout = 20_000 });
        var report = await page.ContentAsync();

        Assert.Contains(concern.Reference, board); // the scan below can fail: the page does show this concern
        foreach (var body in new[] { board, report })
        foreach (var secret in new[] { "Quenbyrtha", "Marvolostone", "401 023 2137", "4010232137", "zzqx", "contusions" })
            Assert.DoesNotContain(secret, body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_wrong_operator_token_is_refused_and_the_board_stays_hidden()
    {
        await page.GotoAsync(hub.DashboardAddress + "/");
        await page.FillAsync("#token", "not-the-token");
        await page.ClickAsync("#login button[type=submit]");
        await page.Locator("#login-error", new() { HasText = "not the operator token" }).WaitForAsync(new() { Timeout = 10_000 });
        Assert.False(await page.Locator("#board").IsVisibleAsync());
    }
}
