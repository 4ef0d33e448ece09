import type { Kysely, Migration } from "kysely";

/** The delivery whose start created a run: only that delivery's job works on and reports it. */
export const actionRunStarter: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("action_runs").addColumn("started_by", "text").execute();
  },
};
