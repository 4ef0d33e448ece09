import { type Kysely, type Migration, sql } from "kysely";

/**
 * Installation lifecycle state kept in the row so every instance sees it: `installed_at` is set
 * once the provider's `onInstall` has completed (null means it has to run, also after a failure),
 * and `lifecycle_owner` / `lifecycle_locked_until` form a leased lock that serialises install and
 * uninstall work on one installation across instances. Installations that exist already had their
 * `onInstall` run.
 */
export const installationLifecycle: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("installations").addColumn("installed_at", "text").execute();
    await db.schema.alterTable("installations").addColumn("lifecycle_owner", "text").execute();
    await db.schema
      .alterTable("installations")
      .addColumn("lifecycle_locked_until", "text")
      .execute();
    await sql`update installations set installed_at = created_at where deleted_at is null`.execute(
      db,
    );
  },
};
