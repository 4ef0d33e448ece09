/**
 * Runs `count` read-then-write transactions on the SQLite file at argv[2], each incrementing the
 * one row of `counter`; a second process beside the test's own connection. Exits 1 on an error.
 */
import { sql } from "kysely";
import { openDatabase } from "../../packages/partnerkit/src/store/database.ts";

export async function incrementCounter(file: string, count: number): Promise<void> {
  const database = openDatabase(file);
  try {
    for (let i = 0; i < count; i++) {
      await database.kysely.transaction().execute(async (trx) => {
        const row = await sql<{ value: number }>`select value from counter`.execute(trx);
        await new Promise((resolve) => setTimeout(resolve, 1));
        await sql`update counter set value = ${(row.rows[0]?.value ?? 0) + 1}`.execute(trx);
      });
    }
  } finally {
    await database.close();
  }
}

if (process.argv[1]?.endsWith("sqlite-counter.ts") && process.argv[2]) {
  incrementCounter(process.argv[2], Number(process.argv[3])).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
