import { randomBytes } from "node:crypto";
import pg from "pg";
import { type Database, openDatabase } from "../../packages/partnerkit/src/store/database.ts";

/** The engine this vitest project runs on (see vitest.config.ts). */
export const TEST_ENGINE =
  process.env.PARTNERKIT_TEST_ENGINE === "postgres" ? "postgres" : "sqlite";

/**
 * A fresh, empty database for one test: in-memory SQLite, or a throwaway schema in the PostgreSQL
 * of `TEST_DATABASE_URL` (with `urlParameters` added to it) that is dropped on close.
 */
export async function openTestDatabase(urlParameters = ""): Promise<Database> {
  if (TEST_ENGINE === "sqlite") return openDatabase(":memory:");
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is required for the postgres project");
  const schema = `pk_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const database = openDatabase(`${url}${urlParameters}`, { searchPath: schema });
  return {
    ...database,
    async close() {
      await database.close();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await cleanup.end();
    },
  };
}
