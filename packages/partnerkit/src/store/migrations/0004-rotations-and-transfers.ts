import { type Kysely, type Migration, sql } from "kysely";

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
    // One rotation at a time per resource until Vercel has its new secrets: two concurrent ones
    // would each replace the other's new token without ever revoking it.
    await db.schema
      .createIndex("secret_rotations_one_unfinished")
      .on("secret_rotations")
      .column("resource_id")
      .unique()
      .where(sql.ref("status"), "in", ["requested", "rotated"])
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
