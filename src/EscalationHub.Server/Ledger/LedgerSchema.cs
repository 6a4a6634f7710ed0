namespace EscalationHub.Server.Ledger;

/// <summary>
/// The ledger's tables as the database enforces them: rows are never updated or deleted. The migration that creates
/// the tables runs <see cref="MigrationSql"/> right after creating them (keep the call when the migration is
/// regenerated); the hub's code refuses the same in <see cref="AppendOnlyGuard"/>. Table and column names are also
/// read by hubctl.
/// </summary>
public static class LedgerSchema
{
    public const string Entries = "LedgerEntries";
    public const string Nodes = "LedgerNodes";
    public const string TreeHeads = "LedgerTreeHeads";
    public const string AgencyKeys = "AgencyKeys";

    public static readonly string[] AppendOnlyTables = [Entries, Nodes, TreeHeads, AgencyKeys];

    /// <summary>Run once, right after EF creates the (empty) ledger tables: the node table rebuilt WITHOUT ROWID (one
    /// B-tree keyed by (Level, Idx) instead of a table plus an index: half the writes per node), then the triggers.</summary>
    public static string MigrationSql => $"""
        DROP TABLE "{Nodes}";
        CREATE TABLE "{Nodes}" (
            "Level" INTEGER NOT NULL,
            "Idx"   INTEGER NOT NULL,
            "Hash"  BLOB    NOT NULL,
            CONSTRAINT "PK_{Nodes}" PRIMARY KEY ("Level", "Idx")) WITHOUT ROWID;
        {CreateTriggersSql}
        """;

    public static string CreateTriggersSql => string.Join("\n", AppendOnlyTables.Select(table => $"""
        CREATE TRIGGER IF NOT EXISTS "{table}_no_update" BEFORE UPDATE ON "{table}"
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows are never updated'); END;
        CREATE TRIGGER IF NOT EXISTS "{table}_no_delete" BEFORE DELETE ON "{table}"
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows are never deleted'); END;
        """));

    public static string DropTriggersSql => string.Join("\n", AppendOnlyTables.Select(table => $"""
        DROP TRIGGER IF EXISTS "{table}_no_update";
        DROP TRIGGER IF EXISTS "{table}_no_delete";
        """));
}
