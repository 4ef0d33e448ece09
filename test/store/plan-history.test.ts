import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "../../src/store/database.ts";
import { createStore, migrateStore } from "../../src/store/kysely-store.ts";
import { migrations } from "../../src/store/migrations/index.ts";
import { runMigrations } from "../../src/store/run-migrations.ts";
import { SecretBox } from "../../src/store/secret-box.ts";
import type { Tables } from "../../src/store/tables.ts";
import { openTestDatabase } from "../support/database.ts";
import { TEST_ENCRYPTION_KEY } from "../support/partner-app.ts";

let database: Database;
afterEach(() => database.close());

describe("plan history", () => {
  it("starts, for a database migrated from before it, with each current plan from creation", async () => {
    database = await openTestDatabase();
    const before = Object.fromEntries(
      Object.entries(migrations).filter(([name]) => name < "0006-plan-history"),
    );
    await runMigrations(database, before, "partnerkit_migration");
    const db = database.kysely.withTables<Tables>();
    const row = { created_at: "2030-01-05T10:00:00.000Z", updated_at: "2030-01-05T10:00:00.000Z" };
    await db
      .insertInto("installations")
      .values([
        {
          id: "icfg_team",
          account_id: null,
          installer_user_id: null,
          scopes: "[]",
          accepted_policies: "{}",
          account: "{}",
          credentials: "",
          billing_plan_id: "team",
          notification: null,
          deleted_at: null,
          ...row,
        },
        {
          id: "icfg_none",
          account_id: null,
          installer_user_id: null,
          scopes: "[]",
          accepted_policies: "{}",
          account: "{}",
          credentials: "",
          billing_plan_id: null,
          notification: null,
          deleted_at: null,
          ...row,
        },
      ])
      .execute();
    await db
      .insertInto("resources")
      .values({
        id: "res_1",
        installation_id: "icfg_team",
        product_id: "acme-kv",
        name: "kv",
        metadata: "{}",
        status: "ready",
        billing_plan_id: "pro",
        notification: null,
        protocol_settings: null,
        external_id: null,
        secrets: "",
        deleted_at: null,
        ...row,
      })
      .execute();

    await migrateStore(database);
    const store = createStore(
      database,
      SecretBox.fromEnv(TEST_ENCRYPTION_KEY),
      () => new Date("2030-02-01T00:00:00.000Z"),
    );
    const plans = await store.billing.planChanges("installation", ["icfg_team", "icfg_none"]);
    expect(Object.fromEntries(plans)).toEqual({
      icfg_team: [{ billingPlanId: "team", at: row.created_at }],
      icfg_none: [],
    });
    // A PATCH to the plan it is on records nothing; a change records its time.
    await store.updateResource("res_1", { billingPlanId: "pro" });
    await store.updateResource("res_1", { billingPlanId: "free", name: "renamed" });
    expect((await store.billing.planChanges("resource", ["res_1"])).get("res_1")).toEqual([
      { billingPlanId: "pro", at: row.created_at },
      { billingPlanId: "free", at: "2030-02-01T00:00:00.000Z" },
    ]);
  });
});
