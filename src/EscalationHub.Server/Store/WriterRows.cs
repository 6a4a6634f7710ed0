using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace EscalationHub.Server.Store;

/// <summary>
/// Rows the hot commands add, written by the group commit's writer as statements prepared once per writer connection
/// instead of through EF Core's change tracking and SaveChanges (which plans and builds SQL for every command). The
/// statement is made from the EF model (table, columns, each column's type mapping and value converter), so a row
/// reads back through EF exactly as if EF had written it, on SQLite and on PostgreSQL. The row is written at once,
/// under the command's savepoint: if the command fails it is rolled back with the rest of the command.
/// </summary>
public static class WriterRows
{
    private static readonly ConcurrentDictionary<(IModel, Type), RowShape> Shapes = new();

    /// <summary>Inserts <paramref name="row"/> now when the context runs on the writer; otherwise adds it to the
    /// context, to be saved with its other changes.</summary>
    public static void Insert<T>(this HubDbContext db, T row) where T : class
    {
        if (db.Writer is not { } writer)
        {
            db.Set<T>().Add(row);
            return;
        }
        var shape = Shapes.GetOrAdd((db.Model, typeof(T)), key => RowShape.Of(key.Item1.FindEntityType(key.Item2)!));
        var insert = writer.Statement(shape.Sql, shape.Define);
        for (var i = 0; i < shape.Columns.Length; i++)
            insert.Parameters[i].Value = shape.Columns[i].ValueOf(row);
        insert.ExecuteNonQuery(); // SQLite is synchronous underneath; PostgreSQL's round trip is one per row either way
    }

    private sealed record Column(IProperty Property, RelationalTypeMapping Mapping)
    {
        private readonly IClrPropertyGetter getter = Property.GetGetter();

        public object ValueOf(object row)
        {
            var value = getter.GetClrValueUsingContainingEntity(row);
            if (value is not null && Mapping.Converter is { } converter) value = converter.ConvertToProvider(value);
            return value ?? DBNull.Value;
        }
    }

    private sealed class RowShape(string sql, Column[] columns)
    {
        public string Sql { get; } = sql;
        public Column[] Columns { get; } = columns;

        public void Define(DbCommand command)
        {
            for (var i = 0; i < Columns.Length; i++)
                command.Parameters.Add(Columns[i].Mapping.CreateParameter(command, $"@p{i}", null, Columns[i].Property.IsNullable));
        }

        public static RowShape Of(IEntityType entity)
        {
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            // Every mapped property but a key the database numbers (an integer identity/autoincrement column; a Guid
            // key is the row's own, e.g. an inbox record's MessageId, even though EF marks it generated on add).
            var columns = entity.GetProperties()
                .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated.HasFlag(ValueGenerated.OnAdd) && (p.ClrType == typeof(long) || p.ClrType == typeof(int))))
                .Select(p => new Column(p, (RelationalTypeMapping)p.GetTypeMapping()))
                .ToArray();
            var names = string.Join(", ", columns.Select(c => $"\"{c.Property.GetColumnName(table)}\""));
            var values = string.Join(", ", columns.Select((_, i) => $"@p{i}"));
            return new RowShape($"INSERT INTO \"{table.Name}\" ({names}) VALUES ({values})", columns);
        }
    }
}
