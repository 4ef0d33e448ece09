import type { Kysely, Migration } from "kysely";

/** Metered usage per day, submitted invoices, and prepaid credits (spec §4.15, §5.12–§5.14). */
export const billing: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("usage_counters")
      .addColumn("resource_id", "text", (col) => col.notNull())
      .addColumn("meter", "text", (col) => col.notNull())
      .addColumn("day", "text", (col) => col.notNull())
      .addColumn("value", "double precision", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .addPrimaryKeyConstraint("usage_counters_pk", ["resource_id", "meter", "day"])
      .execute();

    await db.schema
      .createTable("billing_invoices")
      .addColumn("external_id", "text", (col) => col.primaryKey())
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
      .execute();
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

    await db.schema
      .createTable("balance_credits")
      .addColumn("invoice_id", "text", (col) => col.notNull())
      // The resource credited, or "" for installation-level credit: part of the key, so not null.
      .addColumn("pot", "text", (col) => col.notNull())
      .addColumn("installation_id", "text", (col) => col.notNull())
      .addColumn("cents", "integer", (col) => col.notNull())
      .addColumn("created_at", "text", (col) => col.notNull())
      .addPrimaryKeyConstraint("balance_credits_pk", ["invoice_id", "pot"])
      .execute();
    await db.schema
      .createIndex("balance_credits_installation_idx")
      .on("balance_credits")
      .column("installation_id")
      .execute();
  },
};
