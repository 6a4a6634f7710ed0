using Microsoft.Data.Sqlite;

namespace EscalationHub.Adapters.Runtime;

/// <summary>
/// Connections to the adapter's SQLite file, which several writers share from many threads at once (bus consumers, the
/// delivery lanes, the ledger replica, the simulated system, the EPR's tasks). Every connection commits durably
/// (synchronous=FULL: what the adapter has acknowledged survives a power cut), and a writer that finds the file locked
/// waits in SQLite's busy handler for up to 30 s.
/// </summary>
/// <remarks>A connection opened without busy_timeout gets Microsoft.Data.Sqlite's own retry instead, which sleeps
/// 150 ms between attempts: the case directory's and the EPR's connections did, and under load a concern waited
/// for that while the lock had long been free (the write it waits for takes well under a millisecond).</remarks>
public static class AdapterDatabase
{
    public static string ConnectionString(string databasePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        return new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>Runs <paramref name="work"/> in one transaction on one connection: what a message causes in the adapter's
    /// file (the case it learnt of, the delivery owed, the message's inbox row) commits together, one fsync instead of one
    /// per write. BEGIN IMMEDIATE takes the write lock up front, so the work never fails half way on a busy file.</summary>
    public static async Task<T> InOneTransactionAsync<T>(string connectionString, Func<SqliteConnection, Task<T>> work)
    {
        await using var connection = Open(connectionString);
        // As SQL, not BeginTransaction: the classes' commands stay transaction-agnostic (Microsoft.Data.Sqlite refuses a
        // command without its DbTransaction on a connection that began one through the API).
        Execute(connection, "BEGIN IMMEDIATE");
        try
        {
            var result = await work(connection);
            Execute(connection, "COMMIT");
            return result;
        }
        catch
        {
            Execute(connection, "ROLLBACK");
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;";
        command.ExecuteNonQuery();
        return connection;
    }
}
