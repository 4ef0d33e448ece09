import type { Kysely, Migration } from "kysely";

/**
 * The last billing period each installation was invoiced for (its `start`), written once the
 * period's invoices reached Vercel. The billing schedule queues a period's invoice job only for
 * installations not invoiced for it yet: matching the job's dedupe key alone, every hourly run
 * queued one for every installation again once the day-old succeeded jobs were pruned.
 */
export const invoicedPeriods: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("invoiced_periods")
      .addColumn("installation_id", "text", (col) => col.primaryKey())
      .addColumn("period_start", "text", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .execute();
  },
};
