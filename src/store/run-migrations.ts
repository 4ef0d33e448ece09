import { type Migration, Migrator, sql } from "kysely";
import type { Database } from "./database.ts";

/**
 * Applies a set of migrations, tracked in its own table. On PostgreSQL the tracking table is
 * pinned to the current schema: Kysely otherwise finds another schema's table of the same name
 * and skips creating its own, which breaks several deployments sharing one database.
 */
export async function runMigrations(
  database: Database,
  migrations: Record<string, Migration>,
  tableName: string,
): Promise<void> {
  const migrator = new Migrator({
    db: database.kysely,
    provider: { getMigrations: async () => migrations },
    migrationTableName: tableName,
    migrationLockTableName: `${tableName}_lock`,
    ...(database.engine === "postgres" && { migrationTableSchema: await currentSchema(database) }),
  });
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) return;
    if (attempt >= 5 || !isSchemaDroppedMeanwhile(error)) throw error;
  }
}

/**
 * Kysely checks for its tracking table by listing the tables of every schema; if another tenant
 * of the database drops its schema during that scan, PostgreSQL answers 3F000 about a schema that
 * is not ours. Trying again is safe: migrations run under Kysely's lock, each in a transaction.
 */
function isSchemaDroppedMeanwhile(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === "3F000";
}

async function currentSchema(database: Database): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
    database.kysely,
  );
  const schema = rows[0]?.schema;
  if (!schema) throw new Error("PostgreSQL has no current schema: check the search_path");
  return schema;
}
