import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay } from "../../packages/partnerkit/src/jobs/backoff.ts";
import { JobRunner } from "../../packages/partnerkit/src/jobs/job-runner.ts";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import { openTestStore } from "../support/store.ts";

let database: Database;
let store: Store;
beforeEach(async () => {
  ({ database, store } = await openTestStore());
});
afterEach(() => database.close());

const silent = pino({ level: "silent" });

describe("durable job queue", () => {
  it("never hands one job to two concurrent claimers", async () => {
    for (let index = 0; index < 40; index++)
      await store.enqueueJob({ kind: "k", payload: { index } });
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.claimJobs(10, 60_000)));
    const ids = claims.flat().map((job) => job.id);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
    expect(await store.claimJobs(10, 60_000)).toEqual([]);
  });

  it("claims a pool's kinds earliest first across kinds, and only those kinds", async () => {
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    const queued = new Map<string, string>();
    for (const [kind, minutes] of [
      ["a", 50],
      ["b", 60],
      ["other", 70],
      ["a", 30],
      ["b", 40],
      ["a", 20],
    ] as const) {
      const job = await store.enqueueJob({ kind, payload: {}, runAt: minutesAgo(minutes) });
      queued.set(job?.id ?? "", `${kind}${minutes}`);
    }
    await store.enqueueJob({ kind: "a", payload: {}, runAt: new Date(Date.now() + 60_000) });
    const named = (jobs: { id: string }[]) => jobs.map((job) => queued.get(job.id));

    expect(named(await store.claimJobs(3, 60_000, ["a", "b"]))).toEqual(["b60", "a50", "b40"]);
    expect(named(await store.claimJobs(5, 60_000, ["b", "a"]))).toEqual(["a30", "a20"]);
    expect(named(await store.claimJobs(5, 60_000))).toEqual(["other70"]);
  });

  it("adds nothing for a dedupe key that is already queued", async () => {
    expect(await store.enqueueJob({ kind: "k", payload: 1, dedupeKey: "once" })).toBeDefined();
    expect(await store.enqueueJob({ kind: "k", payload: 2, dedupeKey: "once" })).toBeUndefined();
    expect(await store.listJobs()).toHaveLength(1);
  });

  it("enqueues inside the caller's transaction: a rollback leaves no job", async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.enqueueJob({ kind: "k", payload: {} });
        throw new Error("state change failed");
      }),
    ).rejects.toThrow("state change failed");
    expect(await store.listJobs()).toEqual([]);
  });

  it("waits for a scheduled job until it is due", async () => {
    const runAt = new Date(Date.now() + 60_000);
    await store.enqueueJob({ kind: "k", payload: {}, runAt });
    expect(await store.claimJobs(5, 60_000)).toEqual([]);
    expect(await store.nextJobsDue(["k"])).toEqual(new Map([["k", runAt.toISOString()]]));
  });

  it("tells when the next queued job of each kind asked about comes due", async () => {
    const inMs = (ms: number) => new Date(Date.now() + ms);
    await store.enqueueJob({ kind: "other", payload: {}, runAt: inMs(1_000) });
    const soonestA = inMs(30_000);
    await store.enqueueJob({ kind: "a", payload: {}, runAt: soonestA });
    await store.enqueueJob({ kind: "b", payload: {}, runAt: inMs(40_000) });
    const soonestB = inMs(20_000);
    await store.enqueueJob({ kind: "b", payload: {}, runAt: soonestB });
    await store.enqueueJob({ kind: "running", payload: {} });
    await store.claimJobs(1, 60_000, ["running"]);

    expect(await store.nextJobsDue(["a", "b", "running", "missing"])).toEqual(
      new Map([
        ["a", soonestA.toISOString()],
        ["b", soonestB.toISOString()],
      ]),
    );
    expect(await store.nextJobsDue([])).toEqual(new Map());
  });

  it("gives a job back when the worker that claimed it died and its lease ran out", async () => {
    await store.enqueueJob({ kind: "k", payload: {} });
    const [first] = await store.claimJobs(1, 30);
    expect(await store.claimJobs(1, 30)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [again] = await store.claimJobs(1, 30);
    expect(again?.id).toBe(first?.id);
    expect(again?.attempts).toBe(2);
  });

  it("leaves an expired lease for a later claim when asked not to look for them", async () => {
    await store.enqueueJob({ kind: "k", payload: {} });
    const [first] = await store.claimJobs(1, 30);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const skipping = { requeueExpired: false };
    expect(await store.claimJobs(1, 30, undefined, undefined, skipping)).toEqual([]);
    const [again] = await store.claimJobs(1, 30);
    expect(again?.id).toBe(first?.id);
  });

  it("looks for expired leases about once a second however often the runner claims", async () => {
    const claims = vi.spyOn(store, "claimJobs");
    let done = 0;
    const runner = new JobRunner({
      store,
      log: silent,
      pollMs: 60_000,
      handlers: { k: async () => void done++ },
    });
    const started = Date.now();
    runner.start();
    for (let index = 0; index < 20; index++) await store.enqueueJob({ kind: "k", payload: {} });
    await vi.waitFor(() => expect(done).toBe(20));
    await runner.stop();
    const seconds = Math.ceil((Date.now() - started) / 1000);
    const looked = claims.mock.calls.filter(([, , , , options]) => options?.requeueExpired);
    expect(looked.length).toBeGreaterThanOrEqual(1);
    expect(looked.length).toBeLessThanOrEqual(seconds);
    expect(claims.mock.calls.length).toBeGreaterThan(looked.length);
  });

  it("runs jobs through the runner, once each, picking new work up when kicked", async () => {
    const done: number[] = [];
    const runner = new JobRunner({
      store,
      log: silent,
      pollMs: 60_000,
      handlers: { k: async (job) => void done.push((job.payload as { index: number }).index) },
    });
    runner.start();
    for (let index = 0; index < 5; index++) {
      await store.enqueueJob({ kind: "k", payload: { index } });
      runner.kick();
    }
    for (let wait = 0; wait < 100 && done.length < 5; wait++)
      await new Promise((r) => setTimeout(r, 10));
    await runner.stop();
    expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await store.listJobs({ status: "succeeded" })).toHaveLength(5);
  });

  it("renews the lease of a job run by drain() alone, as a cron tick runs it", async () => {
    await store.enqueueJob({ kind: "slow", payload: {} });
    let runs = 0;
    const runner = new JobRunner({
      store,
      log: silent,
      leaseMs: 60,
      handlers: {
        slow: async () => {
          runs++;
          await new Promise((resolve) => setTimeout(resolve, 300));
        },
      },
    });
    const draining = runner.drain();
    // Well past the 60 ms lease: without renewal another worker would take the job over here.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await store.claimJobs(1, 60_000, ["slow"])).toEqual([]);
    expect(await draining).toBe(1);
    expect(runs).toBe(1);
    expect(await store.listJobs({ status: "succeeded" })).toHaveLength(1);
  });
});

describe("backoffDelay", () => {
  it("grows exponentially within half to all of the ceiling, capped", () => {
    const policy = { baseMs: 100, maxMs: 1_000 };
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(10, policy, () => 1)).toBe(1_000);
  });
});
