using EscalationHub.Security;

namespace EscalationHub.Server.Tests;

/// <summary>The revocation list fails closed: a list that goes missing is a problem (every certificate refused), not
/// an empty list, and its coming and going is reported once each.</summary>
public sealed class RevocationListTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("eh-revoked-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task A_list_that_disappears_is_unavailable_rather_than_empty_until_it_is_back()
    {
        var path = Path.Combine(directory, "revoked.txt");
        RevocationList.Append(path, "0A:1B", "stolen laptop");
        var list = new RevocationList(path);
        var reported = new List<string?>();
        list.AvailabilityChanged += reported.Add;
        Assert.True(list.IsRevoked("0a1b"));
        Assert.Null(list.Problem);

        File.Delete(path);
        await RefreshUntilAsync(list, () => list.Problem is not null);
        Assert.Contains(path, list.Problem);
        Assert.False(list.IsRevoked("0A1B")); // nothing is known: the validator refuses everyone on Problem

        RevocationList.Append(path, "0A1B", "stolen laptop");
        await RefreshUntilAsync(list, () => list.Problem is null);
        Assert.True(list.IsRevoked("0A1B"));
        Assert.Equal(2, reported.Count); // once gone, once back
        Assert.Contains(path, reported[0]);
        Assert.Null(reported[1]);
    }

    [Fact]
    public void A_list_missing_from_the_start_is_unavailable_and_an_empty_one_revokes_nothing()
    {
        var missing = new RevocationList(Path.Combine(directory, "missing.txt"));
        missing.Refresh();
        Assert.NotNull(missing.Problem);

        var path = Path.Combine(directory, "empty.txt");
        RevocationList.CreateEmptyIfMissing(path);
        var empty = new RevocationList(path);
        empty.Refresh();
        Assert.Null(empty.Problem);
        Assert.False(empty.IsRevoked("0A1B"));
    }

    /// <summary>The list looks at its file at most once a second.</summary>
    private static async Task RefreshUntilAsync(RevocationList list, Func<bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!done())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("the revocation list did not notice the change");
            await Task.Delay(100);
            list.Refresh();
        }
    }
}
