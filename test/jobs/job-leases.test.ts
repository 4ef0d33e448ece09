import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FRAMEWORK_JOB_CONCURRENCY } from "../../packages/partnerkit/src/core/services.ts";
import { type JobHandler, JobRunner } from "../../packages/partnerkit/src/jobs/job-runner.ts";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import type { JobRecord } from "../../packages/partnerkit/src/store/records.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import type { Tables } from "../../packages/partnerkit/src/store/tables.ts";
import { openTestStore } from "../support/store.ts";

let database: Database;
let store: Store;
beforeEach(async () => {
  ({ database, store } = await openTestStore());
});
afterEach(() => database.close());

const silent = pino({ level: "silent" });
/** A lease that ran out the moment it was taken: its holder stalled, or its process died. */
const EXPIRED = -1_000;

function runner(
  handlers: Record<string, JobHandler>,
  options: Partial<ConstructorParameters<typeof JobRunner>[0]> = {},
) {
  return new JobRunner({ store, log: silent, handlers, pollMs: 60_000, ...options });
}

/** A promise with its resolver, to hold a handler until the test lets it go. */
function gate<T = void>() {
  let open: (value: T) => void = () => {};
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function within<T>(promise: Promise<T>, ms = 5_000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms)),
  ]);
}

/** Lets the lease of a job in flight run out, as it does when its worker stalls for too long. */
async function expireLease(id: string): Promise<void> {
  await database.kysely
    .withTables<Tables>()
    .updateTable("jobs")
    .set({ locked_until: new Date(Date.now() - 1_000).toISOString() })
    .where("id", "=", id)
    .execute();
}

async function theJob(): Promise<JobRecord> {
  const [job] = await store.listJobs();
  if (!job) throw new Error("no job");
  return job;
}

describe("job leases: owner and epoch", () => {
  it("gives each claim its owner and a new epoch; a lost lease writes nothing", async () => {
    await store.enqueueJob({ kind: "k", payload: {} });
    const [stale] = await store.claimJobs(1, EXPIRED, ["k"], "runner_a");
    const [fresh] = await store.claimJobs(1, 60_000, ["k"], "runner_b");
    expect(stale).toMatchObject({ owner: "runner_a", leaseEpoch: 1, attempts: 1 });
    expect(fresh).toMatchObject({ id: stale?.id, owner: "runner_b", leaseEpoch: 2, attempts: 2 });
    if (!stale || !fresh) throw new Error("not claimed");

    expect(await store.extendJobLeases([stale, fresh], 60_000)).toEqual([stale.id]);
    expect(await store.completeHeldJobs([fresh])).toEqual([true]);
    // The late writes of the first holder: neither re-queues nor re-completes the job.
    expect(await store.failHeldJob(stale, "late failure", new Date())).toBe(false);
    expect(await store.completeHeldJobs([stale])).toEqual([false]);
    expect(await store.releaseHeldJobs([stale])).toEqual([false]);
    expect(await theJob()).toMatchObject({ status: "succeeded", lastError: null, attempts: 2 });
  });

  it("keeps a job another instance completed when the stalled first runner fails it late", async () => {
    await store.enqueueJob({ kind: "k", payload: {} });
    const release = gate();
    const started = gate();
    const first = runner({
      k: async () => {
        started.open();
        await release.promise;
        throw new Error("late failure");
      },
    });
    const draining = first.drain();
    await within(started.promise);
    await expireLease((await theJob()).id);

    const second = runner({ k: async () => {} });
    expect(await second.drain()).toBe(1);
    release.open();
    expect(await draining).toBe(1);
    expect(await theJob()).toMatchObject({ status: "succeeded", attempts: 2, lastError: null });
    expect(await store.listJobs({ status: "queued" })).toEqual([]);
  });

  it("aborts a job whose lease its heartbeat finds lost", async () => {
    await store.enqueueJob({ kind: "k", payload: {} });
    const aborted = gate<unknown>();
    const first = runner({
      k: (_job, signal) =>
        new Promise((_, reject) => {
          signal.addEventListener("abort", () => {
            aborted.open(signal.reason);
            reject(signal.reason);
          });
        }),
    });
    const draining = first.drain();
    for (let wait = 0; wait < 200 && (await theJob()).status !== "running"; wait++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    await expireLease((await theJob()).id);
    expect(await runner({ k: async () => {} }).drain()).toBe(1);

    await first.renewLeases();
    expect(await within(aborted.promise)).toBeInstanceOf(Error);
    await draining;
    expect(await theJob()).toMatchObject({ status: "succeeded", attempts: 2 });
  });
});

describe("job leases: the heartbeat and a job that has finished", () => {
  it("does not call lost, nor abort, a job whose success is being recorded", async () => {
    await store.enqueueJob({ kind: "k", payload: {} });
    const lines: string[] = [];
    const log = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
    const recorded = gate();
    const release = gate();
    const complete = store.completeHeldJobs.bind(store);
    vi.spyOn(store, "completeHeldJobs").mockImplementation(async (leases) => {
      const held = await complete(leases);
      recorded.open();
      await release.promise;
      return held;
    });
    let signal: AbortSignal | undefined;
    const busy = runner(
      {
        k: async (_job, jobSignal) => {
          signal = jobSignal;
        },
      },
      { log },
    );
    const draining = busy.drain();
    await within(recorded.promise);
    // The heartbeat comes round after the success was written, before its write returned.
    await busy.renewLeases();
    release.open();
    expect(await draining).toBe(1);
    expect(lines.filter((line) => line.includes("lease"))).toEqual([]);
    expect(signal?.aborted).toBe(false);
    expect(await theJob()).toMatchObject({ status: "succeeded", attempts: 1 });
  });
});

describe("job leases: attempts", () => {
  it("ends dead, not crash-looping, a job whose worker dies on every attempt", async () => {
    const job = await store.enqueueJob({ kind: "k", payload: {}, maxAttempts: 3 });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [claimed] = await store.claimJobs(1, EXPIRED, ["k"], "runner_dies");
      expect(claimed).toMatchObject({ id: job?.id, attempts: attempt });
    }
    expect(await store.claimJobs(1, 60_000)).toEqual([]);
    expect(await theJob()).toMatchObject({ status: "dead", attempts: 3 });
    expect((await theJob()).lastError).toMatch(/lease ran out/);

    // `partnerkit jobs retry` gives it its attempts back.
    expect(await store.requeueJob(job?.id ?? "")).toBe(true);
    expect(await store.claimJobs(1, 60_000)).toMatchObject([{ attempts: 1, leaseEpoch: 4 }]);
  });
});

describe("job concurrency by kind", () => {
  it("runs another kind's job at once while its own pool is full of slow jobs", async () => {
    const release = gate();
    let slowStarted = 0;
    const quick = gate();
    const jobs = runner(
      {
        slow: async () => {
          slowStarted++;
          await release.promise;
        },
        quick: async () => quick.open(),
      },
      { concurrency: { default: 2, perKind: { quick: 1 } } },
    );
    for (let index = 0; index < 5; index++) await store.enqueueJob({ kind: "slow", payload: {} });
    await store.enqueueJob({ kind: "quick", payload: {} });
    jobs.start();
    await within(quick.promise);
    expect(slowStarted).toBe(2);
    release.open();
    await jobs.stop();
  });

  it("keeps webhook deliveries apart from a burst of usage reports by default", async () => {
    const release = gate();
    const webhook = gate();
    let reports = 0;
    const jobs = runner(
      {
        "billing-report": async () => {
          reports++;
          await release.promise;
        },
        webhook: async () => webhook.open(),
      },
      { concurrency: FRAMEWORK_JOB_CONCURRENCY },
    );
    await store.enqueueJobs(
      Array.from({ length: 20 }, (_, index) => ({ kind: "billing-report", payload: { index } })),
    );
    await store.enqueueJob({ kind: "webhook", payload: {} });
    jobs.start();
    await within(webhook.promise);
    expect(reports).toBeLessThanOrEqual(FRAMEWORK_JOB_CONCURRENCY.perKind?.["billing-report"] ?? 0);
    release.open();
    await jobs.stop();
  });
});

describe("stopping the job runner", () => {
  it("keeps renewing the lease while a job finishes within the grace", async () => {
    await store.enqueueJob({ kind: "k", payload: {} });
    const started = gate();
    const release = gate();
    const jobs = runner(
      {
        k: async () => {
          started.open();
          await release.promise;
        },
      },
      { leaseMs: 300 },
    );
    jobs.start();
    await within(started.promise);
    const stopping = jobs.stop({ graceMs: 5_000 });
    // Well past the lease: without renewal during the grace, another instance takes it here.
    await new Promise((resolve) => setTimeout(resolve, 750));
    expect(await store.claimJobs(1, 60_000)).toEqual([]);
    release.open();
    await stopping;
    expect(await theJob()).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("hands a job that stops on the abort back, due now and with the attempt given back", async () => {
    await store.enqueueJob({ kind: "k", payload: {} });
    const started = gate();
    const jobs = runner(
      {
        k: (_job, signal) => {
          started.open();
          return new Promise((_, reject) => {
            signal.addEventListener("abort", () => reject(signal.reason));
          });
        },
      },
      { leaseMs: 60_000 },
    );
    jobs.start();
    await within(started.promise);
    await jobs.stop({ graceMs: 20 });
    const job = await theJob();
    expect(job).toMatchObject({ status: "queued", attempts: 0, owner: null });
    expect(Date.parse(job.runAt)).toBeLessThanOrEqual(Date.now());
  });

  it("hands back a job that ignores the abort, so another instance runs it at once", async () => {
    await store.enqueueJob({ kind: "k", payload: {} });
    const started = gate();
    const release = gate();
    let aborted = false;
    const first = runner(
      {
        k: async (_job, signal) => {
          signal.addEventListener("abort", () => {
            aborted = true;
          });
          started.open();
          await release.promise;
        },
      },
      { leaseMs: 60_000 },
    );
    first.start();
    await within(started.promise);
    await within(first.stop({ graceMs: 20, settleMs: 20 }));
    expect(aborted).toBe(true);
    expect(await theJob()).toMatchObject({ status: "queued", attempts: 0 });

    expect(await runner({ k: async () => {} }).drain()).toBe(1);
    // The first runner's handler settles at last: its success is not written over the new run.
    release.open();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await theJob()).toMatchObject({ status: "succeeded", attempts: 1, leaseEpoch: 2 });
  });

  it("waits for a claim in flight when it stops: what it claims is handed back, not run", async () => {
    await store.enqueueJob({ kind: "k", payload: {} });
    const claiming = gate();
    const answer = gate();
    const claimJobs = store.claimJobs.bind(store);
    store.claimJobs = async (...args) => {
      const claimed = await claimJobs(...args);
      claiming.open();
      await answer.promise;
      return claimed;
    };
    let ran = false;
    const jobs = runner(
      {
        k: async () => {
          ran = true;
        },
      },
      { leaseMs: 60_000 },
    );
    jobs.start();
    await within(claiming.promise);
    let stopped = false;
    const stopping = jobs.stop({ graceMs: 20, settleMs: 20 }).then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The claim has taken the job: returning now would leave it held until its lease ran out.
    expect(stopped).toBe(false);
    answer.open();
    await within(stopping);
    expect(ran).toBe(false);
    expect(await theJob()).toMatchObject({ status: "queued", attempts: 0, owner: null });
  });
});
