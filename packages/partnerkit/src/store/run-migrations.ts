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
    if (attempt >= CATALOG_RACE_ATTEMPTS || !isCatalogRace(error)) throw error;
    await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
  }
}

const CATALOG_RACE_ATTEMPTS = 5;

/**
 * Kysely's migrator looks for its table by introspecting every schema of the database; when
 * another deployment (or test) drops its schema meanwhile, that catalog query fails with
 * "schema/column/relation does not exist" about the other schema. Nothing of ours has changed,
 * so trying again is safe.
 */
function isCatalogRace(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === "3F000" || code === "42703" || code === "42P01";
}

async function currentSchema(database: Database): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
    database.kysely,
  );
  const schema = rows[0]?.schema;
  if (!schema) throw new Error("PostgreSQL has no current schema: check the search_path");
  return schema;
}
