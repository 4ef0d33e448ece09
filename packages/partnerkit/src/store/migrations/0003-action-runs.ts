import type { Kysely, Migration } from "kysely";

export const actionRuns: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("action_runs")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("installation_id", "text", (col) => col.notNull())
      .addColumn("deployment_id", "text", (col) => col.notNull())
      .addColumn("resource_id", "text", (col) => col.notNull())
      .addColumn("action", "text", (col) => col.notNull())
      .addColumn("status", "text", (col) => col.notNull())
      .addColumn("status_text", "text")
      .addColumn("outcome", "text")
      .addColumn("reported", "integer", (col) => col.notNull())
      .addColumn("cleaned_up", "integer", (col) => col.notNull())
      .addColumn("created_at", "text", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .addUniqueConstraint("action_runs_target_unique", ["deployment_id", "resource_id", "action"])
      .execute();
  },
};
