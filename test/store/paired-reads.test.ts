import pg from "pg";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import type { Tables } from "../../packages/partnerkit/src/store/tables.ts";
import { TEST_ENGINE } from "../support/database.ts";
import { openTestStore } from "../support/store.ts";
import { installationRow, resourceRow } from "../support/store-rows.ts";

const EARLY = "2030-01-05T10:00:00.000Z";
const LATE = "2030-01-06T10:00:00.000Z";

// A call on a resource reads its installation and the resource; a list, the installation and its
// resources. Both come back as the single reads would return them, on either engine.
describe("an installation read together with its resources", () => {
  let database: Database;
  let store: Store;
  beforeEach(async () => {
    ({ database, store } = await openTestStore());
    const db = database.kysely.withTables<Tables>();
    await db
      .insertInto("installations")
      .values([installationRow("icfg_1", EARLY, "team"), installationRow("icfg_2", EARLY)])
      .execute();
    await db
      .insertInto("resources")
      .values([
        { ...resourceRow("res_b", "icfg_1", "pro", LATE), notification: '{"level":"info"}' },
        { ...resourceRow("res_a", "icfg_1", "pro", EARLY), deleted_at: LATE },
        resourceRow("res_other", "icfg_2", "pro", EARLY),
      ])
      .execute();
  });
  afterEach(() => database.close());

  it("returns a resource exactly as the single reads do, and only the installation's own", async () => {
    const together = await store.getResourceWithInstallation("icfg_1", "res_b");
    expect(together.installation).toEqual(await store.getInstallation("icfg_1"));
    expect(together.resource).toEqual(await store.getResource("icfg_1", "res_b"));
    expect(together.resource?.notification).toEqual({ level: "info" });
    expect(Object.isFrozen(together.resource)).toBe(true);

    const elsewhere = await store.getResourceWithInstallation("icfg_1", "res_other");
    expect(elsewhere.installation?.id).toBe("icfg_1");
    expect(elsewhere.resource).toBeUndefined();
    expect(await store.getResourceWithInstallation("icfg_9", "res_other")).toEqual({});
  });

  it("lists every resource of the installation, deleted ones too, oldest first", async () => {
    const together = await store.getInstallationWithResources("icfg_1");
    expect(together.installation).toEqual(await store.getInstallation("icfg_1"));
    expect(together.resources).toEqual(await store.listResources("icfg_1"));
    expect(together.resources.map((resource) => resource.id)).toEqual(["res_a", "res_b"]);
    expect((await store.getInstallationWithResources("icfg_2")).resources).toHaveLength(1);
    expect(await store.getInstallationWithResources("icfg_9")).toEqual({ resources: [] });
  });

  it.runIf(TEST_ENGINE === "postgres")(
    "costs one round trip to PostgreSQL for each of the two reads",
    async () => {
      const queries = vi.spyOn(pg.Client.prototype, "query");
      try {
        await store.getResourceWithInstallation("icfg_1", "res_b");
        expect(queries).toHaveBeenCalledTimes(1);
        await store.getInstallationWithResources("icfg_1");
        expect(queries).toHaveBeenCalledTimes(2);
      } finally {
        queries.mockRestore();
      }
    },
  );
});
