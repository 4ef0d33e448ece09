import { type Kysely, type Migration, sql } from "kysely";

/**
 * Invoices keyed by installation and `externalId`, the scope in which Vercel dedupes them (spec
 * §5.13): after a transfer the source and the target each invoice the same resource, plan and
 * month under the same `externalId`. SQLite cannot change a primary key in place, so the table is
 * rebuilt (on both engines, to keep one migration).
 */
export const invoicesPerInstallation: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("billing_invoices_keyed")
      .addColumn("external_id", "text", (col) => col.notNull())
      .addColumn("installation_id", "text", (col) => col.notNull())
      .addColumn("resource_id", "text", (col) => col.notNull())
      .addColumn("billing_plan_id", "text", (col) => col.notNull())
      .addColumn("period_start", "text", (col) => col.notNull())
      .addColumn("period_end", "text", (col) => col.notNull())
      .addColumn("request", "text", (col) => col.notNull())
      .addColumn("total_cents", "integer", (col) => col.notNull())
      .addColumn("vercel_invoice_id", "text")
      .addColumn("state", "text", (col) => col.notNull())
      .addColumn("created_at", "text", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .addPrimaryKeyConstraint("billing_invoices_keyed_pk", ["installation_id", "external_id"])
      .execute();
    await sql`insert into billing_invoices_keyed select
      external_id, installation_id, resource_id, billing_plan_id, period_start, period_end,
      request, total_cents, vercel_invoice_id, state, created_at, updated_at
      from billing_invoices`.execute(db);
    await db.schema.dropTable("billing_invoices").execute();
    await db.schema.alterTable("billing_invoices_keyed").renameTo("billing_invoices").execute();
    await db.schema
      .createIndex("billing_invoices_installation_idx")
      .on("billing_invoices")
      .columns(["installation_id", "period_start"])
      .execute();
    await db.schema
      .createIndex("billing_invoices_vercel_idx")
      .on("billing_invoices")
      .column("vercel_invoice_id")
      .execute();
  },
};
