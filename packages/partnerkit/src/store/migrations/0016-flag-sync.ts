import type { Kysely, Migration } from "kysely";

/**
 * What a resource's experimentation items and flags configuration should be on Vercel, and what
 * Vercel acknowledged (spec §5.18; see flag-sync-queries.ts). An item's `version` counts the
 * provider's changes and `sent_version` the last one Vercel acknowledged; a deletion is a row
 * without `item` until Vercel acknowledged it. One row per resource holds the configuration, the
 * digest Vercel last acknowledged, and the lease of the one job that talks to Vercel about it.
 */
export const flagSync: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("flag_sync_items")
      .addColumn("resource_id", "text", (col) => col.notNull())
      .addColumn("item_id", "text", (col) => col.notNull())
      .addColumn("item", "text")
      .addColumn("version", "integer", (col) => col.notNull())
      .addColumn("sent_version", "integer", (col) => col.notNull())
      .addColumn("known_to_vercel", "integer", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .addPrimaryKeyConstraint("flag_sync_items_pk", ["resource_id", "item_id"])
      .execute();
    await db.schema
      .createTable("flag_sync_resources")
      .addColumn("resource_id", "text", (col) => col.primaryKey())
      .addColumn("config", "text")
      .addColumn("config_digest", "text")
      .addColumn("pushed_digest", "text")
      .addColumn("pushed_edge_config_id", "text")
      .addColumn("push_not_before", "text")
      .addColumn("revision", "integer", (col) => col.notNull())
      .addColumn("lock_owner", "text")
      .addColumn("locked_until", "text")
      .addColumn("updated_at", "text", (col) => col.notNull())
      .execute();
  },
};
