using Npgsql;

namespace EscalationHub.IntegrationTests.Infrastructure;

/// <summary>Reads from a hub's PostgreSQL store, as <see cref="TestHub.Count"/> does from its SQLite file.</summary>
public static class PostgresQueries
{
    public static long Count(string connectionString, string table, string where, params (string Name, object Value)[] parameters) =>
        Convert.ToInt64(Scalar(connectionString, $"SELECT COUNT(*) FROM \"{table}\" WHERE {where}", parameters));

    public static object? Scalar(string connectionString, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name.TrimStart('@', '$'), value);
        return command.ExecuteScalar();
    }

    public static List<object?[]> Rows(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }
}
