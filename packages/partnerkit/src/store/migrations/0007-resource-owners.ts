import { type Kysely, type Migration, sql } from "kysely";

/**
 * Which installation owned each resource from when, so a transfer (spec §4.16) splits a period's
 * bill between its source and its target. Existing resources start with their current
 * installation from creation, then the transfers already completed are replayed: a resource
 * transferred before this migration is owned by its first source from creation, then by each
 * target from the accept.
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

    const { rows: transfers } = await sql<CompletedTransfer>`
      select source_installation_id, target_installation_id, resource_ids, completed_at
      from resource_transfers where status = 'completed' order by completed_at`.execute(db);
    const firstSources = new Map<string, string>();
    for (const transfer of transfers) {
      for (const resourceId of JSON.parse(transfer.resource_ids) as string[]) {
        if (!firstSources.has(resourceId)) {
          firstSources.set(resourceId, transfer.source_installation_id);
        }
        await sql`
          insert into resource_owners (resource_id, installation_id, since)
          values (${resourceId}, ${transfer.target_installation_id}, ${transfer.completed_at})
          on conflict do nothing`.execute(db);
      }
    }
    for (const [resourceId, source] of firstSources) {
      await sql`
        update resource_owners set installation_id = ${source}
        where resource_id = ${resourceId}
          and since = (select created_at from resources where id = ${resourceId})`.execute(db);
    }
  },
};

interface CompletedTransfer {
  source_installation_id: string;
  target_installation_id: string;
  resource_ids: string;
  completed_at: string;
}
