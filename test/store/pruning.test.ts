import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { pruneStore, startPruning } from "../../packages/partnerkit/src/core/maintenance.ts";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import { webhookJobKey } from "../../packages/partnerkit/src/store/webhook-event-queries.ts";
import { openTestStore } from "../support/store.ts";

let database: Database;
let store: Store;
beforeEach(async () => {
  ({ database, store } = await openTestStore());
});
afterEach(() => database.close());

const DAY_MS = 24 * 60 * 60_000;

/** A stored delivery whose job ended as `outcome` (or is still queued). */
async function delivery(id: string, outcome: "succeeded" | "dead" | "queued") {
  await store.recordWebhookEvent({ id, type: "t", payload: {}, createdAt: Date.now() });
  const job = await store.enqueueJob({
    kind: "webhook",
    payload: { eventId: id },
    dedupeKey: webhookJobKey(id),
  });
  if (!job || outcome === "queued") return;
  const [claimed] = await store.claimJobs(1, 60_000);
  if (!claimed) throw new Error("the delivery's job was not claimed");
  expect(claimed.id).toBe(job.id);
  if (outcome === "succeeded") expect(await store.completeHeldJobs([claimed])).toEqual([true]);
  else expect(await store.failHeldJob(claimed, "gave up", undefined)).toBe(true);
}

describe("pruning", () => {
  it("keeps everything younger than its retention", async () => {
    await delivery("evt_done", "succeeded");
    expect(await pruneStore(store, Date.now() + 2 * 60 * 60_000)).toEqual({
      "idempotency keys": 0,
      "succeeded jobs": 0,
      "webhook events": 0,
    });
    expect(await store.getWebhookEvent("evt_done")).toBeDefined();
    expect(await store.listJobs()).toHaveLength(1);
  });

  it("drops keys after two days, succeeded jobs after one, processed deliveries after a week, never unfinished work", async () => {
    await delivery("evt_done", "succeeded");
    await delivery("evt_dead", "dead");
    await delivery("evt_waiting", "queued");
    const scope = { installationId: "icfg_1", method: "POST", path: "/v1/x", key: "k" };
    await store.claimIdempotencyKey(
      { ...scope, requestHash: "h", callerAccount: null },
      60_000,
      "request-1",
    );

    expect(await pruneStore(store, Date.now() + 2 * DAY_MS + 60_000)).toEqual({
      "idempotency keys": 1,
      "succeeded jobs": 1,
      "webhook events": 0,
    });
    expect((await store.listJobs()).map((job) => job.status).sort()).toEqual(["dead", "queued"]);
    expect(await store.getWebhookEvent("evt_done")).toBeDefined();

    expect(await pruneStore(store, Date.now() + 8 * DAY_MS)).toMatchObject({ "webhook events": 1 });
    expect(await store.getWebhookEvent("evt_done")).toBeUndefined();
    // A dead job can still be retried with `partnerkit jobs`, so its delivery stays.
    expect(await store.getWebhookEvent("evt_dead")).toBeDefined();
    expect(await store.getWebhookEvent("evt_waiting")).toBeDefined();
  });

  it("prunes soon after start, then every period, until stopped", async () => {
    const prunes = vi.spyOn(store, "pruneIdempotencyKeys");
    const stop = startPruning(store, pino({ level: "silent" }), {
      everyMs: 1_000,
      firstRunWithinMs: 20,
    });
    try {
      await vi.waitFor(() => expect(prunes).toHaveBeenCalledTimes(1), { timeout: 500 });
      await vi.waitFor(() => expect(prunes).toHaveBeenCalledTimes(2), { timeout: 2_000 });
    } finally {
      stop();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(prunes).toHaveBeenCalledTimes(2);
  });
});
