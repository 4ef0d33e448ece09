import type { Kysely, Migration } from "kysely";

export const webhooksAndJobs: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("webhook_events")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("type", "text", (col) => col.notNull())
      .addColumn("payload", "text", (col) => col.notNull())
      .addColumn("created_at_ms", "bigint", (col) => col.notNull())
      .addColumn("received_at", "text", (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex("webhook_events_received_idx")
      .on("webhook_events")
      .column("received_at")
      .execute();

    await db.schema
      .createTable("jobs")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("kind", "text", (col) => col.notNull())
      .addColumn("dedupe_key", "text", (col) => col.unique())
      .addColumn("payload", "text", (col) => col.notNull())
      .addColumn("status", "text", (col) => col.notNull())
      .addColumn("attempts", "integer", (col) => col.notNull())
      .addColumn("max_attempts", "integer", (col) => col.notNull())
      .addColumn("run_at", "text", (col) => col.notNull())
      .addColumn("locked_until", "text")
      .addColumn("last_error", "text")
      .addColumn("created_at", "text", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .execute();
    await db.schema.createIndex("jobs_due_idx").on("jobs").columns(["status", "run_at"]).execute();
  },
};
