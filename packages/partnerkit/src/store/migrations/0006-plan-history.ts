import { type Kysely, type Migration, sql } from "kysely";

/**
 * When each resource and installation took each plan, so a period is billed per plan segment
 * (spec §5.12 item `start`/`end`, §5.13 one invoice per plan), and installation-level usage
 * counters (spec §10: usage without a `resourceId`). Existing plans are recorded from creation.
 */
export const planHistory: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("billing_plan_changes")
      .addColumn("subject_type", "text", (col) => col.notNull())
      .addColumn("subject_id", "text", (col) => col.notNull())
      // Null for an installation whose plan was cleared.
      .addColumn("billing_plan_id", "text")
      .addColumn("changed_at", "text", (col) => col.notNull())
      .addPrimaryKeyConstraint("billing_plan_changes_pk", [
        "subject_type",
        "subject_id",
        "changed_at",
      ])
      .execute();
    await sql`
      insert into billing_plan_changes (subject_type, subject_id, billing_plan_id, changed_at)
      select 'resource', id, billing_plan_id, created_at from resources`.execute(db);
    await sql`
      insert into billing_plan_changes (subject_type, subject_id, billing_plan_id, changed_at)
      select 'installation', id, billing_plan_id, created_at from installations
      where billing_plan_id is not null`.execute(db);

    await db.schema
      .createTable("installation_usage_counters")
      .addColumn("installation_id", "text", (col) => col.notNull())
      .addColumn("meter", "text", (col) => col.notNull())
      .addColumn("day", "text", (col) => col.notNull())
      .addColumn("value", "double precision", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .addPrimaryKeyConstraint("installation_usage_counters_pk", [
        "installation_id",
        "meter",
        "day",
      ])
      .execute();
  },
};
