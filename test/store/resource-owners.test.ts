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

const CREATED = "2030-01-05T10:00:00.000Z";
const TRANSFERRED = "2030-01-20T08:00:00.000Z";
const NOW = "2030-02-01T00:00:00.000Z";

describe("resource owners and invoices per installation", () => {
  it("start, for a database migrated from before them, from what it holds", async () => {
    database = await openTestDatabase();
    const before = Object.fromEntries(
      Object.entries(migrations).filter(([name]) => name < "0007-resource-owners"),
    );
    await runMigrations(database, before, "partnerkit_migration");
    const db = database.kysely.withTables<Tables>();
    await db
      .insertInto("installations")
      .values([installationRow("icfg_a", CREATED), installationRow("icfg_b", CREATED)])
      .execute();
    await db
      .insertInto("resources")
      .values(resourceRow("res_1", "icfg_b", "pro", CREATED))
      .execute();
    // Transferred from icfg_a to icfg_b before owners were recorded.
    await db
      .insertInto("resource_transfers")
      .values({
        id: "ptc_1",
        source_installation_id: "icfg_a",
        resource_ids: JSON.stringify(["res_1"]),
        expires_at_ms: Date.parse(TRANSFERRED),
        status: "completed",
        target_installation_id: "icfg_b",
        created_at: TRANSFERRED,
        completed_at: TRANSFERRED,
      })
      .execute();
    const invoice = {
      externalId: "res_1-pro-2030-01",
      installationId: "icfg_a",
      resourceId: "res_1",
      billingPlanId: "pro",
      periodStart: "2030-01-01T00:00:00.000Z",
      periodEnd: "2030-02-01T00:00:00.000Z",
      request: { externalId: "res_1-pro-2030-01" },
      totalCents: 2000,
    };
    await db
      .insertInto("billing_invoices")
      .values({
        external_id: invoice.externalId,
        installation_id: invoice.installationId,
        resource_id: invoice.resourceId,
        billing_plan_id: invoice.billingPlanId,
        period_start: invoice.periodStart,
        period_end: invoice.periodEnd,
        request: JSON.stringify(invoice.request),
        total_cents: invoice.totalCents,
        vercel_invoice_id: "inv_1",
        state: "paid",
        created_at: CREATED,
        updated_at: CREATED,
      })
      .execute();

    await migrateStore(database);
    const store = createStore(
      database,
      SecretBox.fromEnv(TEST_ENCRYPTION_KEY),
      () => new Date(NOW),
    );
    const replayed = [
      { installationId: "icfg_a", since: CREATED },
      { installationId: "icfg_b", since: TRANSFERRED },
    ];
    expect(await store.billing.ownerHistories("icfg_a")).toEqual(new Map([["res_1", replayed]]));
    expect(await store.billing.invoice("icfg_a", invoice.externalId)).toMatchObject({
      vercelInvoiceId: "inv_1",
      state: "paid",
    });

    // A move records its new owner at the store's time; the history follows the resource.
    const moved = await store.transaction((trx) =>
      trx.transfers.moveResources(["res_1"], "icfg_b", "icfg_a"),
    );
    expect(moved).toBe(1);
    const history = [...replayed, { installationId: "icfg_a", since: NOW }];
    expect(await store.billing.ownerHistories("icfg_a")).toEqual(new Map([["res_1", history]]));
    expect(await store.billing.ownerHistories("icfg_b")).toEqual(new Map([["res_1", history]]));

    // The same externalId in another installation is another invoice; in the same, the first.
    const target = await store.billing.insertInvoice({ ...invoice, installationId: "icfg_b" });
    expect(target).toMatchObject({ installationId: "icfg_b", vercelInvoiceId: null });
    const again = await store.billing.insertInvoice({ ...invoice, totalCents: 1 });
    expect(again).toMatchObject({ totalCents: 2000, vercelInvoiceId: "inv_1" });
    expect(await store.billing.setInvoiceState(target, "invoiced")).toBe(true);
    expect(await store.billing.invoice("icfg_a", invoice.externalId)).toMatchObject({
      state: "paid",
    });
  });
});
