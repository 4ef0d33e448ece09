import { type Kysely, type Migration, sql } from "kysely";

/**
 * Which installation owned each resource from when, so a transfer (spec §4.16) splits a period's
 * bill between its source and its target. Existing resources are recorded with their current
 * installation from creation, which is how they were billed until now.
 */
export const resourceOwners: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("resource_owners")
      .addColumn("resource_id", "text", (col) => col.notNull())
      .addColumn("installation_id", "text", (col) => col.notNull())
      .addColumn("since", "text", (col) => col.notNull())
      .addPrimaryKeyConstraint("resource_owners_pk", ["resource_id", "since"])
      .execute();
    await db.schema
      .createIndex("resource_owners_installation_idx")
      .on("resource_owners")
      .column("installation_id")
      .execute();
    await sql`
      insert into resource_owners (resource_id, installation_id, since)
      select id, installation_id, created_at from resources`.execute(db);
  },
};
