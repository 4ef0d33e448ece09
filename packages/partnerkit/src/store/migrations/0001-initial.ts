import type { Kysely, Migration } from "kysely";

export const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("installations")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("account_id", "text")
      .addColumn("installer_user_id", "text")
      .addColumn("scopes", "text", (col) => col.notNull())
      .addColumn("accepted_policies", "text", (col) => col.notNull())
      .addColumn("account", "text", (col) => col.notNull())
      .addColumn("credentials", "text", (col) => col.notNull())
      .addColumn("billing_plan_id", "text")
      .addColumn("notification", "text")
      .addColumn("created_at", "text", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .addColumn("deleted_at", "text")
      .execute();

    await db.schema
      .createTable("resources")
      .addColumn("id", "text", (col) => col.primaryKey())
      .addColumn("installation_id", "text", (col) => col.notNull().references("installations.id"))
      .addColumn("product_id", "text", (col) => col.notNull())
      .addColumn("name", "text", (col) => col.notNull())
      .addColumn("metadata", "text", (col) => col.notNull())
      .addColumn("status", "text", (col) => col.notNull())
      .addColumn("billing_plan_id", "text", (col) => col.notNull())
      .addColumn("notification", "text")
      .addColumn("protocol_settings", "text")
      .addColumn("external_id", "text")
      .addColumn("secrets", "text", (col) => col.notNull())
      .addColumn("created_at", "text", (col) => col.notNull())
      .addColumn("updated_at", "text", (col) => col.notNull())
      .addColumn("deleted_at", "text")
      .execute();
    await db.schema
      .createIndex("resources_installation_idx")
      .on("resources")
      .column("installation_id")
      .execute();

    await db.schema
      .createTable("idempotency_keys")
      .addColumn("installation_id", "text", (col) => col.notNull())
      .addColumn("method", "text", (col) => col.notNull())
      .addColumn("path", "text", (col) => col.notNull())
      .addColumn("key", "text", (col) => col.notNull())
      .addColumn("request_hash", "text", (col) => col.notNull())
      .addColumn("caller_account", "text")
      .addColumn("state", "text", (col) => col.notNull())
      .addColumn("response_status", "integer")
      .addColumn("response_body", "text")
      .addColumn("locked_until", "text", (col) => col.notNull())
      .addColumn("created_at", "text", (col) => col.notNull())
      .addPrimaryKeyConstraint("idempotency_keys_pk", ["installation_id", "method", "path", "key"])
      .execute();
    await db.schema
      .createIndex("idempotency_keys_created_idx")
      .on("idempotency_keys")
      .column("created_at")
      .execute();
  },
};
