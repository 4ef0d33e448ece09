import { randomBytes } from "node:crypto";
import type { Kysely, Migration } from "kysely";
import type { Database } from "partnerkit";
import { runMigrations } from "partnerkit";

/** Every provider hook that ran, on which process, and whether it returned. */
export interface HookRunsTable {
  id: string;
  /** The hook, e.g. `provision`, `action.start`, `webhook`. */
  hook: string;
  /** What the hook ran for (a resource, a deployment, an event id): one run per key is the goal. */
  key: string;
  pid: number;
  started_at: string;
  /** Null while running, and for ever when the process died inside the hook. */
  finished_at: string | null;
  outcome: "ok" | "error" | null;
}

export type JournalTables = { chaos_hook_runs: HookRunsTable };

const journalTable: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("chaos_hook_runs")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("hook", "text", (col) => col.notNull())
      .addColumn("key", "text", (col) => col.notNull())
      .addColumn("pid", "integer", (col) => col.notNull())
      .addColumn("started_at", "text", (col) => col.notNull())
      .addColumn("finished_at", "text")
      .addColumn("outcome", "text")
      .execute();
  },
};

/** The environment variable that sets `workMs` in the server processes. */
export const HOOK_WORK_ENV = "CHAOS_HOOK_WORK_MS";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes a row when a hook starts and completes it when the hook returns, each in its own
 * statement, so that a process killed inside a hook leaves an unfinished row behind. Each hook
 * then works for a random moment up to `workMs`, as a real provider's would, so that kills
 * land inside hooks and not only between them.
 */
export class HookJournal {
  private readonly db: Kysely<JournalTables>;

  constructor(
    private readonly database: Database,
    private readonly workMs: number,
  ) {
    this.db = database.kysely.withTables<JournalTables>();
  }

  migrate(): Promise<void> {
    return runMigrations(
      this.database,
      { "0001-chaos-hook-runs": journalTable },
      "chaos_migration",
    );
  }

  async run<T>(hook: string, key: string, work: () => Promise<T>): Promise<T> {
    const id = `run_${randomBytes(8).toString("hex")}`;
    await this.db
      .insertInto("chaos_hook_runs")
      .values({
        id,
        hook,
        key,
        pid: process.pid,
        started_at: new Date().toISOString(),
        finished_at: null,
        outcome: null,
      })
      .execute();
    let outcome: HookRunsTable["outcome"] = "error";
    try {
      await sleep(Math.random() * this.workMs);
      const result = await work();
      outcome = "ok";
      return result;
    } finally {
      await this.db
        .updateTable("chaos_hook_runs")
        .set({ finished_at: new Date().toISOString(), outcome })
        .where("id", "=", id)
        .execute();
    }
  }
}
