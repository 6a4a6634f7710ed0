using Microsoft.Data.Sqlite;

namespace EscalationHub.Adapters.Health.Epr;

/// <summary>Columns added to the adapter's own tables after files were made without them.</summary>
internal static class SqliteColumns
{
    /// <summary>Adds <paramref name="column"/> to <paramref name="table"/> unless the file has it already.</summary>
    public static void AddIfMissing(SqliteConnection connection, string table, string column, string type)
    {
        using var columns = connection.CreateCommand();
        columns.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'";
        if (Convert.ToInt64(columns.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0) return;
        using var alter = connection.CreateCommand();
        alter.CommandText = $"ALTER TABLE {table} ADD COLUMN {column} {type}";
        alter.ExecuteNonQuery();
    }
}
