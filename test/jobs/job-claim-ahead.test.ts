import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type JobHandler, JobRunner } from "../../packages/partnerkit/src/jobs/job-runner.ts";
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
const SLOTS = 2;

function runner(handlers: Record<string, JobHandler>): JobRunner {
  return new JobRunner({
    store,
    log: silent,
    handlers,
    pollMs: 600_000,
    concurrency: { default: SLOTS },
  });
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let wait = 0; wait < 500 && !(await condition()); wait++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  expect(await condition()).toBe(true);
}

/**
 * A pool whose jobs finish within the turn of the event loop that started them claims more than
 * its free slots at once and starts the others as slots free up (docs/jobs.md, "Claims").
 */
describe("claiming ahead for quick jobs", () => {
  it("runs each job once, never more at a time than the pool's slots, spending one attempt", async () => {
    const jobs = 150;
    let running = 0;
    let mostAtOnce = 0;
    const ran: number[] = [];
    const quick: JobHandler = async (job) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      await Promise.resolve();
      ran.push((job.payload as { index: number }).index);
      running--;
    };
    const jobsRunner = runner({ k: quick });
    jobsRunner.start();
    // In bursts, as deliveries arrive: the runner learns the jobs are quick, then claims ahead.
    for (let burst = 0; burst < 3; burst++) {
      await store.enqueueJobs(
        Array.from({ length: jobs / 3 }, (_, index) => ({
          kind: "k",
          payload: { index: burst * (jobs / 3) + index },
        })),
      );
      await until(() => ran.length === ((burst + 1) * jobs) / 3);
    }
    await jobsRunner.stop();
    expect(mostAtOnce).toBeLessThanOrEqual(SLOTS);
    expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: jobs }, (_, index) => index));
    const done = await store.listJobs({ status: "succeeded" });
    expect(done).toHaveLength(jobs);
    expect(done.every((job) => job.attempts === 1)).toBe(true);
  });

  it("hands back the jobs it claimed ahead when they turn out slow, the attempt given back", async () => {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    const jobsRunner = runner({
      k: async (job) => {
        started++;
        if ((job.payload as { slow: boolean }).slow) await released;
      },
    });
    jobsRunner.start();
    await store.enqueueJobs(
      Array.from({ length: 10 }, () => ({ kind: "k", payload: { slow: false } })),
    );
    await until(async () => (await store.listJobs({ status: "succeeded" })).length === 10);

    await store.enqueueJobs(
      Array.from({ length: 10 }, () => ({ kind: "k", payload: { slow: true } })),
    );
    // Two run; the rest, claimed ahead, go back to the queue as they were when the turn ends.
    await until(async () => (await store.listJobs({ status: "queued" })).length === 10 - SLOTS);
    expect(started).toBe(10 + SLOTS);
    const queued = await store.listJobs({ status: "queued" });
    expect(queued.every((job) => job.attempts === 0 && job.owner === null)).toBe(true);

    release();
    await until(async () => (await store.listJobs({ status: "succeeded" })).length === 20);
    await jobsRunner.stop();
    const slow = (await store.listJobs({ status: "succeeded" })).slice(10);
    expect(slow.every((job) => job.attempts === 1)).toBe(true);
  });
});
