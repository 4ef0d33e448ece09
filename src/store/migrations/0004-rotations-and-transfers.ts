import type { Kysely, Migration } from "kysely";

export const rotationsAndTransfers: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("secret_rotations")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("installation_id", "text", (col) => col.notNull())
      .addColumn("resource_id", "text", (col) => col.notNull())
      .addColumn("status", "text", (col) => col.notNull())
      .addColumn("reason", "text")
      .addColumn("delay_hours", "real", (col) => col.notNull())
      .addColumn("previous_secrets", "text", (col) => col.notNull())
      .addColumn("expires_at", "text")
      .addColumn("revoked_at", "text")
      .addColumn("created_at", "text", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex("secret_rotations_resource_idx")
      .on("secret_rotations")
      .columns(["resource_id", "status"])
      .execute();

    await db.schema
      .createTable("resource_transfers")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("source_installation_id", "text", (col) => col.notNull())
      .addColumn("resource_ids", "text", (col) => col.notNull())
      .addColumn("expires_at_ms", "bigint", (col) => col.notNull())
      .addColumn("status", "text", (col) => col.notNull())
      .addColumn("target_installation_id", "text")
      .addColumn("created_at", "text", (col) => col.notNull())
      .addColumn("completed_at", "text")
      .execute();
  },
};
