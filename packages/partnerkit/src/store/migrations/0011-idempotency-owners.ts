import type { Kysely, Migration } from "kysely";

/**
 * Owned idempotency claims: a claim records the request running it (`owner`), which renews the
 * lease while it runs and alone may complete or release it, so a request whose claim was taken
 * over can no longer release or overwrite its successor's.
 */
export const idempotencyOwners: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("idempotency_keys").addColumn("owner", "text").execute();
  },
};
