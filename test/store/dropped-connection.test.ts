import { sql } from "kysely";
import pg from "pg";
import { expect, it } from "vitest";
import { openTestDatabase, TEST_ENGINE } from "../support/database.ts";

it.runIf(TEST_ENGINE === "postgres")(
  "an idle connection the server ends is replaced; the process lives on",
  async () => {
    const database = await openTestDatabase();
    try {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(
        database.kysely,
      );
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      await admin.query("select pg_terminate_backend($1)", [rows[0]?.pid]);
      await admin.end();
      // The pool hears of the closed client asynchronously; give it the chance to emit.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const again = await sql<{ one: number }>`select 1 as one`.execute(database.kysely);
      expect(again.rows).toEqual([{ one: 1 }]);
    } finally {
      await database.close();
    }
  },
);
