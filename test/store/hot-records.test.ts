import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../packages/partnerkit/src/store/database.ts";
import { createStore, migrateStore } from "../../packages/partnerkit/src/store/kysely-store.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import type { Tables } from "../../packages/partnerkit/src/store/tables.ts";
import { openTestDatabase, TEST_ENGINE } from "../support/database.ts";
import { TEST_ENCRYPTION_KEY } from "../support/partner-app.ts";
import { installationRow, resourceRow } from "../support/store-rows.ts";

const AT = "2030-01-05T10:00:00.000Z";
/** What a request passes as its arrival: reads with it may be served from memory. */
const now = () => performance.now();

async function seed(database: Database): Promise<Store> {
  await migrateStore(database);
  const db = database.kysely.withTables<Tables>();
  await db
    .insertInto("installations")
    .values(installationRow("icfg_1", AT, "team"))
    .execute();
  await db
    .insertInto("resources")
    .values(resourceRow("res_1", "icfg_1", "pro", AT))
    .execute();
  return createStore(database, SecretBox.fromEnv(TEST_ENCRYPTION_KEY));
}

// A request's installation and resource reads are served from memory on SQLite while nothing
// changes; whatever changes the data must show in the next read, on either engine.
describe("installation and resource reads", () => {
  let database: Database;
  let store: Store;
  beforeEach(async () => {
    database = await openTestDatabase();
    store = await seed(database);
  });
  afterEach(() => database.close());

  it("show the store's own writes", async () => {
    expect((await store.getResource("icfg_1", "res_1", now()))?.name).toBe("kv");
    expect((await store.getInstallation("icfg_1", now()))?.billingPlanId).toBe("team");
    await store.updateResource("res_1", { name: "renamed" });
    await store.setInstallationPlan("icfg_1", "free");
    expect((await store.getResource("icfg_1", "res_1", now()))?.name).toBe("renamed");
    expect((await store.getInstallation("icfg_1", now()))?.billingPlanId).toBe("free");
    const together = await store.getResourceWithInstallation("icfg_1", "res_1", now());
    expect([together.installation?.billingPlanId, together.resource?.name]).toEqual([
      "free",
      "renamed",
    ]);
    await store.markResourceDeleted("res_1");
    expect((await store.getResource("icfg_1", "res_1", now()))?.deletedAt).not.toBeNull();
  });

  it("show writes made through the database handle outside the store", async () => {
    expect((await store.getResource("icfg_1", "res_1", now()))?.status).toBe("ready");
    await database.kysely
      .withTables<Tables>()
      .updateTable("resources")
      .set({ status: "suspended" })
      .execute();
    expect((await store.getResource("icfg_1", "res_1", now()))?.status).toBe("suspended");
  });

  it("never serve what a rolled-back transaction wrote", async () => {
    expect((await store.getResource("icfg_1", "res_1", now()))?.name).toBe("kv");
    const failure = store.transaction(async (tx) => {
      await tx.updateResource("res_1", { name: "doomed" });
      expect((await tx.getResource("icfg_1", "res_1", now()))?.name).toBe("doomed");
      throw new Error("roll back");
    });
    await expect(failure).rejects.toThrow("roll back");
    expect((await store.getResource("icfg_1", "res_1", now()))?.name).toBe("kv");
  });

  it("hand out frozen records on every engine, so a caller's change cannot reach the next", async () => {
    for (const asOf of [now(), undefined]) {
      const resource = await store.getResource("icfg_1", "res_1", asOf);
      const installation = await store.getInstallation("icfg_1", asOf);
      if (!resource || !installation) throw new Error("seeded rows missing");
      expect(() => {
        (resource.metadata as Record<string, unknown>).region = "fra1";
      }).toThrow(TypeError);
      expect(() => {
        (installation as { billingPlanId: string | null }).billingPlanId = "enterprise";
      }).toThrow(TypeError);
    }
    expect((await store.getResource("icfg_1", "res_1", now()))?.metadata).toEqual({});
    expect((await store.getInstallation("icfg_1"))?.billingPlanId).toBe("team");
  });
});

describe.runIf(TEST_ENGINE === "sqlite")("SQLite reads with another connection writing", () => {
  let directory: string;
  let database: Database;
  let other: SQLite.Database;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "partnerkit-hot-"));
    database = openDatabase(join(directory, "partnerkit.db"));
  });
  afterEach(async () => {
    other?.close();
    await database.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("show a commit by another process's connection (a CLI command) at once", async () => {
    const store = await seed(database);
    other = new SQLite(join(directory, "partnerkit.db"));
    expect((await store.getInstallation("icfg_1", now()))?.billingPlanId).toBe("team");
    expect((await store.getResource("icfg_1", "res_1", now()))?.name).toBe("kv");
    other.prepare("UPDATE installations SET billing_plan_id = 'free'").run();
    other.prepare("UPDATE resources SET name = 'from-cli'").run();
    expect((await store.getInstallation("icfg_1", now()))?.billingPlanId).toBe("free");
    expect((await store.getResource("icfg_1", "res_1", now()))?.name).toBe("from-cli");
    // A request passes its arrival time: a check made after it may serve, one made before not.
    const before = performance.now();
    expect(
      (await store.getResourceWithInstallation("icfg_1", "res_1", before)).resource?.name,
    ).toBe("from-cli");
    other.prepare("UPDATE resources SET name = 'again'").run();
    const arrived = performance.now();
    expect(
      (await store.getResourceWithInstallation("icfg_1", "res_1", arrived)).resource?.name,
    ).toBe("again");
  });
});
