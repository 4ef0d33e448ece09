import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  BILLING_JOBS,
  spreadWindowMs,
} from "../../packages/partnerkit/src/core/billing/billing-service.ts";
import { startBillingSchedule } from "../../packages/partnerkit/src/core/billing/schedule.ts";
import type { JobRecord } from "../../packages/partnerkit/src/store/records.ts";
import type { Tables } from "../../packages/partnerkit/src/store/tables.ts";
import { createTestPartner, install, type TestPartner } from "../support/partner-app.ts";
import { installationRow } from "../support/store-rows.ts";

const logger = pino({ level: "silent" });
const HOUR_SECONDS = 3600;

let partner: TestPartner | undefined;
const stoppers: (() => void)[] = [];
afterEach(async () => {
  for (const stop of stoppers.splice(0)) stop();
  await partner?.close();
  partner = undefined;
});

/** Before the previous billing period (a calendar month) began. */
const longAgo = () => new Date(Date.now() - 70 * 24 * 3_600_000).toISOString();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A billing service that only records the intervals it is asked to schedule. */
function countingBilling() {
  const runs: number[] = [];
  const billing = {
    async schedule(intervalSeconds: number) {
      runs.push(intervalSeconds);
      return 0;
    },
  };
  return { runs, billing };
}

describe("billing schedule", () => {
  it("enqueues the interval's billing jobs soon after start, not a whole interval later", async () => {
    partner = await createTestPartner();
    await install(partner);
    let kicks = 0;
    stoppers.push(
      startBillingSchedule(partner.services.billing, HOUR_SECONDS, logger, () => kicks++, {
        firstRunWithinMs: 50,
      }),
    );
    const store = partner.store;
    await vi.waitFor(async () => expect(await store.listJobs()).toHaveLength(1), {
      timeout: 2_000,
    });
    // Installed just now, it owed nothing in the previous period: no invoice job for it.
    expect((await store.listJobs()).map((job) => job.kind)).toEqual([BILLING_JOBS.report]);
    expect(kicks).toBe(1);
  });

  it("enqueues one set of jobs per interval however many instances start it", async () => {
    partner = await createTestPartner();
    await install(partner);
    let kicks = 0;
    for (let instance = 0; instance < 3; instance++) {
      stoppers.push(
        startBillingSchedule(partner.services.billing, HOUR_SECONDS, logger, () => kicks++, {
          firstRunWithinMs: 50,
        }),
      );
    }
    const store = partner.store;
    await vi.waitFor(async () => expect(await store.listJobs()).toHaveLength(1), {
      timeout: 2_000,
    });
    await sleep(150);
    expect(await store.listJobs()).toHaveLength(1);
    expect(kicks).toBe(1);
  });

  it("runs again every interval until stopped", async () => {
    const { runs, billing } = countingBilling();
    const stop = startBillingSchedule(billing, 1, logger, () => {}, { firstRunWithinMs: 20 });
    stoppers.push(stop);
    await vi.waitFor(() => expect(runs).toHaveLength(1), { timeout: 500 });
    await vi.waitFor(() => expect(runs).toHaveLength(2), { timeout: 2_000 });
    stop();
    await sleep(1_200);
    expect(runs).toEqual([1, 1]);
  });

  it("never runs when stopped before its first run", async () => {
    const { runs, billing } = countingBilling();
    const stop = startBillingSchedule(billing, 1, logger, () => {}, { firstRunWithinMs: 200 });
    stop();
    await sleep(1_200);
    expect(runs).toEqual([]);
  });

  it("queues a large provider's billing in a few multi-row inserts, each installation once, spread out", async () => {
    partner = await createTestPartner();
    const at = longAgo();
    const ids = Array.from({ length: 1_201 }, (_, index) => `icfg_many_${index}`);
    for (let from = 0; from < ids.length; from += 200) {
      await partner.database.kysely
        .withTables<Tables>()
        .insertInto("installations")
        .values(ids.slice(from, from + 200).map((id) => installationRow(id, at)))
        .execute();
    }
    const batches = vi.spyOn(partner.store, "enqueueJobs");
    const singles = vi.spyOn(partner.store, "enqueueJob");

    expect(await partner.services.billing.schedule(HOUR_SECONDS)).toBe(2 * ids.length);
    expect(singles).not.toHaveBeenCalled();
    expect(batches.mock.calls.length).toBeLessThanOrEqual(3);
    const jobs = await partner.store.listJobs();
    for (const kind of [BILLING_JOBS.report, BILLING_JOBS.invoice]) {
      const owners = jobs
        .filter((job) => job.kind === kind)
        .map((job) => (job.payload as { installationId: string }).installationId);
      expect(new Set(owners)).toEqual(new Set(ids));
      expect(owners).toHaveLength(ids.length);
    }
    // 1,201 installations are past the point where a pass takes seconds: their jobs come due one
    // after another over 80 % of the hour (one every 2.4 s), in both kinds, instead of all at once.
    const reports = jobs.filter((job) => job.kind === BILLING_JOBS.report);
    const due = reports.map((job) => Date.parse(job.runAt)).sort((a, b) => a - b);
    const spanMs = (due.at(-1) ?? 0) - (due[0] ?? 0);
    expect(spanMs).toBeGreaterThan(2_870_000);
    expect(spanMs).toBeLessThanOrEqual(2_880_000);
    const dueSoon = due.filter((runAt) => runAt - (due[0] ?? 0) < 10_000).length;
    expect(dueSoon).toBeLessThanOrEqual(5);
    const invoiceDue = jobs
      .filter((job) => job.kind === BILLING_JOBS.invoice)
      .map((job) => Date.parse(job.runAt))
      .sort((a, b) => a - b);
    expect((invoiceDue.at(-1) ?? 0) - (invoiceDue[0] ?? 0)).toBeGreaterThan(2_870_000);
    // Each report is dated when it runs, not when it was queued.
    for (const job of reports) {
      const { at: reportedAt } = job.payload as { at: string };
      expect(Math.abs(Date.parse(reportedAt) - Date.parse(job.runAt))).toBeLessThan(5_000);
    }
    expect(await partner.services.billing.schedule(HOUR_SECONDS)).toBe(0);
  });

  it("queues a period's invoice job until the installation is invoiced for it, then never again", async () => {
    partner = await createTestPartner();
    await install(partner, "icfg_1");
    await install(partner, "icfg_2");
    // Both existed all through the previous period.
    await partner.database.kysely
      .withTables<Tables>()
      .updateTable("installations")
      .set({ created_at: longAgo() })
      .execute();
    const kinds = async () =>
      (await partner?.store.listJobs())
        ?.map((job) => `${job.kind}:${(job.payload as { installationId: string }).installationId}`)
        .sort();
    expect(await partner.services.billing.schedule(HOUR_SECONDS)).toBe(4);

    // icfg_1's invoice job runs (nothing is owed: no call to Vercel) and records the period.
    const [invoiceJob] = await partner.store.listJobs({ kind: BILLING_JOBS.invoice });
    const first = invoiceJob?.payload as { installationId: string };
    const other = first.installationId === "icfg_1" ? "icfg_2" : "icfg_1";
    await partner.services.billing
      .jobHandlers(pino({ level: "silent" }))
      [BILLING_JOBS.invoice]?.(invoiceJob as JobRecord, new AbortController().signal);
    // A later interval, after the day-old jobs were pruned: a new report for each, and an invoice
    // job only for the installation not invoiced yet.
    await partner.database.kysely.withTables<Tables>().deleteFrom("jobs").execute();
    vi.setSystemTime(Date.now() + HOUR_SECONDS * 1000);
    try {
      expect(await partner.services.billing.schedule(HOUR_SECONDS)).toBe(3);
    } finally {
      vi.useRealTimers();
    }
    expect(await kinds()).toEqual(
      [
        `${BILLING_JOBS.report}:icfg_1`,
        `${BILLING_JOBS.report}:icfg_2`,
        `${BILLING_JOBS.invoice}:${other}`,
      ].sort(),
    );
  });

  it("spreads a large provider's pass over 80 % of the interval", () => {
    expect(spreadWindowMs(1_000, 3_600_000)).toBe(0);
    expect(spreadWindowMs(1_001, 3_600_000)).toBe(2_880_000);
    expect(spreadWindowMs(100_000, 3_600_000)).toBe(2_880_000);
    expect(spreadWindowMs(100_000, 60_000)).toBe(48_000);
  });

  it("queues no invoice for a period that ended before the installation was made", async () => {
    partner = await createTestPartner();
    await install(partner, "icfg_new");
    await partner.database.kysely
      .withTables<Tables>()
      .insertInto("installations")
      .values(installationRow("icfg_old", longAgo()))
      .execute();
    expect(await partner.services.billing.schedule(HOUR_SECONDS)).toBe(3);
    const invoices = await partner.store.listJobs({ kind: BILLING_JOBS.invoice });
    expect(
      invoices.map((job) => (job.payload as { installationId: string }).installationId),
    ).toEqual(["icfg_old"]);
  });
});
