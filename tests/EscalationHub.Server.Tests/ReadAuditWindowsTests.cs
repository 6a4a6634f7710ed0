using EscalationHub.Server.Ledger;

namespace EscalationHub.Server.Tests;

/// <summary>The coalescing of the read audit: every read counted, about one entry per key per window, nothing lost
/// when an entry fails to commit, and no unbounded keys from free-text roles.</summary>
public sealed class ReadAuditWindowsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);
    private readonly ReadAuditWindows windows = new(new ReadAuditSettings { CoalesceWindow = Window, RolesPerWindow = 2 });

    private static ReadKey Key(string role = "Nurse") => new("CF-1", "uhl-health", role, "case-work", "Ledger/GetChildFile");

    [Fact]
    public async Task The_first_read_is_written_at_once_and_repeats_in_the_window_are_counted_and_written_when_it_closes()
    {
        var first = windows.Admit(Key(), ["C1"], T0);
        windows.Completed(first, null);
        var second = windows.Admit(Key(), ["C2"], T0.AddMinutes(1));
        var third = windows.Admit(Key(), ["C2"], T0.AddMinutes(2));
        await windows.CoveredAsync(second);

        Assert.Equal(1, first.Tally!.Reads);
        Assert.Null(second.Tally);
        Assert.Null(third.Tally);
        Assert.Empty(windows.Due(T0.AddMinutes(4), all: false));
        var due = Assert.Single(windows.Due(T0.AddMinutes(5), all: false));
        Assert.Equal((2, T0.AddMinutes(1), T0.AddMinutes(2)), (due.Tally!.Reads, due.Tally.FirstReadAt, due.Tally.LastReadAt));
        Assert.Equal(["C2"], due.Tally.Cases);
    }

    [Fact]
    public void A_read_after_the_window_writes_at_once_with_the_reads_counted_since_the_last_entry()
    {
        windows.Completed(windows.Admit(Key(), [], T0), null);
        windows.Admit(Key(), [], T0.AddMinutes(1));

        var next = windows.Admit(Key(), [], T0.AddMinutes(6));

        Assert.Equal((2, T0.AddMinutes(1), T0.AddMinutes(6)), (next.Tally!.Reads, next.Tally.FirstReadAt, next.Tally.LastReadAt));
    }

    [Fact]
    public void An_entry_that_fails_to_commit_gives_its_counted_reads_back_and_the_next_read_writes_at_once()
    {
        windows.Completed(windows.Admit(Key(), [], T0), null);
        windows.Admit(Key(), [], T0.AddMinutes(1));
        var flush = Assert.Single(windows.Due(T0.AddMinutes(5), all: false));

        windows.Completed(flush, new InvalidOperationException("the store is down"));
        var next = windows.Admit(Key(), [], T0.AddMinutes(5).AddSeconds(1));

        Assert.Equal(2, next.Tally!.Reads); // the read counted before, and this one
    }

    [Fact]
    public async Task A_read_waiting_on_an_entry_that_fails_is_not_answered()
    {
        var first = windows.Admit(Key(), [], T0);
        var waiting = windows.Admit(Key(), [], T0.AddSeconds(1));

        windows.Completed(first, new InvalidOperationException("the store is down"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => windows.CoveredAsync(waiting));
    }

    [Fact]
    public void Stopping_writes_every_counted_read_whatever_its_window()
    {
        windows.Completed(windows.Admit(Key(), [], T0), null);
        windows.Admit(Key(), [], T0.AddSeconds(1));

        Assert.Equal(1, Assert.Single(windows.Due(T0.AddSeconds(2), all: true)).Tally!.Reads);
    }

    [Fact]
    public void Roles_beyond_the_limit_are_counted_under_other_roles()
    {
        var roles = Enumerable.Range(0, 6).Select(i => windows.Admit(Key($"role {i}"), [], T0)).ToList();

        Assert.Equal(["role 0", "role 1", ReadAuditWindows.OtherRoles], roles.Where(a => a.Tally is not null).Select(a => a.Tally!.Key.Role).ToList());
    }
}
