import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import { createStore, migrateStore } from "../../packages/partnerkit/src/store/kysely-store.ts";
import { migrations } from "../../packages/partnerkit/src/store/migrations/index.ts";
import { runMigrations } from "../../packages/partnerkit/src/store/run-migrations.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import type { Tables } from "../../packages/partnerkit/src/store/tables.ts";
import { openTestDatabase } from "../support/database.ts";
import { TEST_ENCRYPTION_KEY } from "../support/partner-app.ts";
import { installationRow, resourceRow } from "../support/store-rows.ts";

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
    const createdAt = "2030-01-05T10:00:00.000Z";
    await db
      .insertInto("installations")
      .values([
        installationRow("icfg_team", createdAt, "team"),
        installationRow("icfg_none", createdAt),
      ])
      .execute();
    await db
      .insertInto("resources")
      .values(resourceRow("res_1", "icfg_team", "pro", createdAt))
      .execute();

    await migrateStore(database);
    const store = createStore(
      database,
      SecretBox.fromEnv(TEST_ENCRYPTION_KEY),
      () => new Date("2030-02-01T00:00:00.000Z"),
    );
    const plans = await store.billing.planChanges("installation", ["icfg_team", "icfg_none"]);
    expect(Object.fromEntries(plans)).toEqual({
      icfg_team: [{ billingPlanId: "team", at: createdAt }],
      icfg_none: [],
    });
    // A PATCH to the plan it is on records nothing; a change records its time.
    await store.updateResource("res_1", { billingPlanId: "pro" });
    await store.updateResource("res_1", { billingPlanId: "free", name: "renamed" });
    expect((await store.billing.planChanges("resource", ["res_1"])).get("res_1")).toEqual([
      { billingPlanId: "pro", at: createdAt },
      { billingPlanId: "free", at: "2030-02-01T00:00:00.000Z" },
    ]);
  });
});
