import type { Kysely, Migration } from "kysely";

/**
 * Deployment check runs (spec §8): one row per run of a check Vercel started, and per rerequest of
 * it (`attempt`), so a redelivered start finds the run it already has.
 */
export const checkRuns: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("check_runs")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("installation_id", "text", (col) => col.notNull())
      .addColumn("deployment_id", "text", (col) => col.notNull())
      .addColumn("resource_id", "text")
      .addColumn("vercel_run_id", "text", (col) => col.notNull())
      .addColumn("vercel_check_id", "text")
      .addColumn("check_name", "text")
      .addColumn("attempt", "integer", (col) => col.notNull())
      .addColumn("status", "text", (col) => col.notNull())
      .addColumn("conclusion", "text")
      .addColumn("conclusion_text", "text")
      .addColumn("output", "text")
      .addColumn("external_url", "text")
      .addColumn("reported", "integer", (col) => col.notNull())
      .addColumn("started_by", "text")
      .addColumn("created_at", "text", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .addUniqueConstraint("check_runs_target_unique", [
        "deployment_id",
        "vercel_run_id",
        "attempt",
      ])
      .execute();
  },
};
