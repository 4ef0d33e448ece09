import type { Kysely, Migration } from "kysely";

/**
 * The members of each installation as `marketplace.member.changed` told them (spec §6.4), keyed by
 * Vercel user id. `changed_at_ms` is the time of the event that last set the row: deliveries
 * arrive out of order, and an older one must never overwrite a newer one. A removed member (role
 * `NONE`) keeps its row, without e-mail, so that an older delivery cannot bring it back.
 */
export const members: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("members")
      .addColumn("installation_id", "text", (col) => col.notNull())
      .addColumn("member_id", "text", (col) => col.notNull())
      .addColumn("role", "text", (col) => col.notNull())
      .addColumn("global_user_id", "text")
      .addColumn("user_email", "text")
      .addColumn("changed_at_ms", "bigint", (col) => col.notNull())
      .addColumn("event_id", "text", (col) => col.notNull())
      .addColumn("created_at", "text", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .addPrimaryKeyConstraint("members_pk", ["installation_id", "member_id"])
      .execute();
  },
};
