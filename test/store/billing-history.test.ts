import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import type { Tables } from "../../packages/partnerkit/src/store/tables.ts";
import { openTestStore } from "../support/store.ts";

let database: Database;
let store: Store;
afterEach(() => database.close());

const MARCH = { fromDay: "2030-03-01", toDay: "2030-03-31" };

/**
 * Installation icfg_a: res_kept, which it still owns; res_given, transferred to icfg_b mid-March;
 * res_gotten, transferred to icfg_a from icfg_b; and icfg_b's own res_other.
 */
async function seed() {
  ({ database, store } = await openTestStore());
  const db = database.kysely.withTables<Tables>();
  const owner = (resource_id: string, installation_id: string, since: string) => ({
    resource_id,
    installation_id,
    since,
  });
  await db
    .insertInto("resource_owners")
    .values([
      owner("res_kept", "icfg_a", "2030-01-02T00:00:00.000Z"),
      owner("res_given", "icfg_a", "2030-01-03T00:00:00.000Z"),
      owner("res_given", "icfg_b", "2030-03-15T12:00:00.000Z"),
      owner("res_gotten", "icfg_b", "2030-02-01T00:00:00.000Z"),
      owner("res_gotten", "icfg_a", "2030-03-10T00:00:00.000Z"),
      owner("res_other", "icfg_b", "2030-01-04T00:00:00.000Z"),
    ])
    .execute();
  const plan =
    (subject_type: "resource" | "installation", subject_id: string) =>
    (billing_plan_id: string | null, changed_at: string) => ({
      subject_type,
      subject_id,
      billing_plan_id,
      changed_at,
    });
  await db
    .insertInto("billing_plan_changes")
    .values([
      plan("resource", "res_kept")("pro", "2030-01-02T00:00:00.000Z"),
      plan("resource", "res_kept")("team", "2030-03-05T00:00:00.000Z"),
      plan("resource", "res_given")("hobby", "2030-01-03T00:00:00.000Z"),
      plan("resource", "res_other")("pro", "2030-01-04T00:00:00.000Z"),
      plan("installation", "icfg_a")("team", "2030-01-01T00:00:00.000Z"),
      plan("installation", "icfg_a")(null, "2030-03-20T00:00:00.000Z"),
      plan("installation", "icfg_b")("pro", "2030-01-01T00:00:00.000Z"),
    ])
    .execute();
  const at = "2030-03-01T00:00:00.000Z";
  await db
    .insertInto("balance_credits")
    .values([
      { invoice_id: "inv_1", pot: "", installation_id: "icfg_a", cents: 500, created_at: at },
      {
        invoice_id: "inv_2",
        pot: "res_kept",
        installation_id: "icfg_a",
        cents: 250,
        created_at: "2030-03-02T00:00:00.000Z",
      },
      { invoice_id: "inv_3", pot: "", installation_id: "icfg_b", cents: 900, created_at: at },
    ])
    .execute();
  const counter = (resource_id: string, meter: string, day: string, value: number) => ({
    resource_id,
    meter,
    day,
    value,
    updated_at: at,
  });
  await db
    .insertInto("usage_counters")
    .values([
      counter("res_kept", "storage", "2030-02-28", 1),
      counter("res_kept", "storage", "2030-03-01", 2.5),
      counter("res_kept", "requests", "2030-03-31", 7),
      counter("res_given", "requests", "2030-03-14", 3),
      counter("res_gotten", "requests", "2030-03-11", 4),
      counter("res_other", "requests", "2030-03-11", 99),
      counter("res_kept", "requests", "2030-04-01", 8),
    ])
    .execute();
  await db
    .insertInto("installation_usage_counters")
    .values([
      { installation_id: "icfg_a", meter: "seats", day: "2030-03-02", value: 3, updated_at: at },
      { installation_id: "icfg_a", meter: "seats", day: "2030-04-01", value: 4, updated_at: at },
      { installation_id: "icfg_b", meter: "seats", day: "2030-03-02", value: 9, updated_at: at },
    ])
    .execute();
}

describe("an installation's billing history", () => {
  it("holds every resource it ever owned with owners and plans, its own plans, credits and the range's usage", async () => {
    await seed();

    const history = await store.billing.history("icfg_a", MARCH);

    expect(history.owners).toEqual(
      new Map([
        ["res_kept", [{ installationId: "icfg_a", since: "2030-01-02T00:00:00.000Z" }]],
        [
          "res_given",
          [
            { installationId: "icfg_a", since: "2030-01-03T00:00:00.000Z" },
            { installationId: "icfg_b", since: "2030-03-15T12:00:00.000Z" },
          ],
        ],
        [
          "res_gotten",
          [
            { installationId: "icfg_b", since: "2030-02-01T00:00:00.000Z" },
            { installationId: "icfg_a", since: "2030-03-10T00:00:00.000Z" },
          ],
        ],
      ]),
    );
    expect(history.resourcePlans).toEqual(
      new Map([
        [
          "res_kept",
          [
            { billingPlanId: "pro", at: "2030-01-02T00:00:00.000Z" },
            { billingPlanId: "team", at: "2030-03-05T00:00:00.000Z" },
          ],
        ],
        ["res_given", [{ billingPlanId: "hobby", at: "2030-01-03T00:00:00.000Z" }]],
        ["res_gotten", []],
      ]),
    );
    expect(history.installationPlans).toEqual([
      { billingPlanId: "team", at: "2030-01-01T00:00:00.000Z" },
      { billingPlanId: null, at: "2030-03-20T00:00:00.000Z" },
    ]);
    expect(history.credits).toEqual([
      { invoiceId: "inv_1", cents: 500 },
      { invoiceId: "inv_2", resourceId: "res_kept", cents: 250 },
    ]);
    const byDay = (a: { day: string; meter: string }, b: { day: string; meter: string }) =>
      a.day.localeCompare(b.day) || a.meter.localeCompare(b.meter);
    expect(history.usage.filter((row) => row.resourceId !== undefined).sort(byDay)).toEqual([
      { resourceId: "res_kept", meter: "storage", day: "2030-03-01", value: 2.5 },
      { resourceId: "res_gotten", meter: "requests", day: "2030-03-11", value: 4 },
      { resourceId: "res_given", meter: "requests", day: "2030-03-14", value: 3 },
      { resourceId: "res_kept", meter: "requests", day: "2030-03-31", value: 7 },
    ]);
    expect(history.usage.filter((row) => row.resourceId === undefined)).toEqual([
      { meter: "seats", day: "2030-03-02", value: 3 },
    ]);
  });

  it("is empty for an installation with nothing billed", async () => {
    await seed();

    expect(await store.billing.history("icfg_none", MARCH)).toEqual({
      owners: new Map(),
      resourcePlans: new Map(),
      installationPlans: [],
      credits: [],
      usage: [],
    });
  });
});
