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
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

async function currentSchema(database: Database): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
    database.kysely,
  );
  const schema = rows[0]?.schema;
  if (!schema) throw new Error("PostgreSQL has no current schema: check the search_path");
  return schema;
}
