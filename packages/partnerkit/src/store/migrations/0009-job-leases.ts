import type { Kysely, Migration } from "kysely";

/**
 * Fenced job leases: a claim records its runner (`owner`) and bumps `lease_epoch`, and every later
 * write of the job names both, so a worker whose lease ran out can no longer overwrite what the
 * job's next owner wrote.
 */
export const jobLeases: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("jobs").addColumn("owner", "text").execute();
    await db.schema
      .alterTable("jobs")
      .addColumn("lease_epoch", "integer", (col) => col.notNull().defaultTo(0))
      .execute();
  },
};
