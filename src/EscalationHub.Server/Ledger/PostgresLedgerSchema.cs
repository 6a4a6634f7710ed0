namespace EscalationHub.Server.Ledger;

/// <summary>
/// The ledger's tables as PostgreSQL enforces them: rows are never updated, deleted or truncated (the PostgreSQL
/// counterpart of <see cref="LedgerSchema"/>). The PostgreSQL migration that creates the tables runs
/// <see cref="CreateTriggersSql"/> right after creating them; keep the call when that migration is regenerated.
/// </summary>
public static class PostgresLedgerSchema
{
    private const string Function = "ledger_refuse_change";

    public static string CreateTriggersSql => $$"""
        CREATE OR REPLACE FUNCTION "{{Function}}"() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            RAISE EXCEPTION '% is append-only: rows are never %', TG_TABLE_NAME,
                CASE TG_OP WHEN 'UPDATE' THEN 'updated' WHEN 'DELETE' THEN 'deleted' ELSE 'truncated' END
                USING ERRCODE = 'restrict_violation';
        END
        $fn$;
        {{string.Join("\n", LedgerSchema.AppendOnlyTables.Select(table => $"""
            CREATE TRIGGER "{table}_no_update" BEFORE UPDATE ON "{table}" FOR EACH ROW EXECUTE FUNCTION "{Function}"();
            CREATE TRIGGER "{table}_no_delete" BEFORE DELETE ON "{table}" FOR EACH ROW EXECUTE FUNCTION "{Function}"();
            CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION "{Function}"();
            """))}}
        """;

    public static string DropTriggersSql => string.Join("\n", LedgerSchema.AppendOnlyTables.Select(table => $"""
        DROP TRIGGER IF EXISTS "{table}_no_update" ON "{table}";
        DROP TRIGGER IF EXISTS "{table}_no_delete" ON "{table}";
        DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}";
        """)) + $"\nDROP FUNCTION IF EXISTS \"{Function}\"();";
}
