import { afterEach, expect, it } from "vitest";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import { createStore, migrateStore } from "../../packages/partnerkit/src/store/kysely-store.ts";
import { migrations } from "../../packages/partnerkit/src/store/migrations/index.ts";
import { runMigrations } from "../../packages/partnerkit/src/store/run-migrations.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import { openTestDatabase } from "../support/database.ts";
import { TEST_ENCRYPTION_KEY } from "../support/partner-app.ts";

let database: Database | undefined;
afterEach(async () => {
  await database?.close();
  database = undefined;
});

it("counts installations that existed before the lifecycle columns as installed", async () => {
  database = await openTestDatabase();
  const before = Object.fromEntries(
    Object.entries(migrations).filter(([name]) => name < "0012-installation-lifecycle"),
  );
  await runMigrations(database, before, "partnerkit_migration");
  const at = "2030-01-01T00:00:00.000Z";
  const row = {
    account_id: "acct_1",
    installer_user_id: "user_1",
    scopes: "[]",
    accepted_policies: "{}",
    account: "{}",
    credentials: "sealed",
    billing_plan_id: null,
    notification: null,
    created_at: at,
    updated_at: at,
  };
  await database.kysely
    .withTables<{ installations: typeof row & { id: string; deleted_at: string | null } }>()
    .insertInto("installations")
    .values([
      { ...row, id: "icfg_live", deleted_at: null },
      { ...row, id: "icfg_gone", deleted_at: at },
    ])
    .execute();

  await migrateStore(database);
  const store = createStore(database, SecretBox.fromEnv(TEST_ENCRYPTION_KEY));
  expect(await store.lifecycle.installed("icfg_live")).toBe(true);
  expect(await store.lifecycle.installed("icfg_gone")).toBe(false);
});
