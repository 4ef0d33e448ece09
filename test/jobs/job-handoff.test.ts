import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { webhookIntake } from "../../packages/partnerkit/src/http/routes/webhooks.ts";
import {
  type JobHandler,
  JobRunner,
  type JobRunnerOptions,
} from "../../packages/partnerkit/src/jobs/job-runner.ts";
import type { Database } from "../../packages/partnerkit/src/store/database.ts";
import type { JobRecord } from "../../packages/partnerkit/src/store/records.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import { IdleRunners } from "../support/idle-runners.ts";
import { openTestStore } from "../support/store.ts";

const silent = pino({ level: "silent" });
const PROMPTLY_MS = 5_000;

let database: Database;
let store: Store;
const runners = new IdleRunners();
beforeEach(async () => {
  ({ database, store } = await openTestStore());
});
afterEach(async () => {
  await runners.stopAll();
  await database.close();
});

const startedRunner = (
  handlers: Record<string, JobHandler>,
  options: Pick<JobRunnerOptions, "concurrency"> = {},
) => runners.start(store, handlers, options);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + PROMPTLY_MS;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await pause(10);
  }
}

const delivery = (id: string) => ({
  id,
  type: "integration-configuration.permission-upgraded",
  payload: {},
  createdAt: Date.now(),
});

const webhookJobs = () => store.listJobs({ kind: "webhook" });
/** The delivery a webhook job processes (jobs queued in the same millisecond list in any order). */
const jobEvent = (job: JobRecord) => (job.payload as { eventId: string }).eventId;

describe("a delivery's job handed to this process's runner", () => {
  it("starts in a free slot as soon as it is stored, without a claim, in its first attempt", async () => {
    const ran: JobRecord[] = [];
    const runner = startedRunner({ webhook: async (job) => void ran.push(job) });
    await pause(100); // the start-up claim, which finds nothing
    const claims = vi.spyOn(store, "claimJobs");

    const intake = webhookIntake(store, { handoff: runner });
    expect(await intake.store(delivery("evt_1"))).toBe(true);

    const [job] = await eventually(webhookJobs, ([first]) => first?.status === "succeeded");
    expect(job).toMatchObject({ status: "succeeded", attempts: 1, owner: runner.id });
    expect(ran.map((held) => held.id)).toEqual([job?.id]);
    expect(claims).not.toHaveBeenCalled();
  });

  it("is queued for a claim when the pool has no free slot, and runs once a slot frees up", async () => {
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const ran: string[] = [];
    const runner = startedRunner(
      {
        webhook: async (job) => {
          ran.push(job.id);
          await gate;
        },
      },
      { concurrency: 1 },
    );
    await pause(100);
    const intake = webhookIntake(store, { handoff: runner });

    await intake.store(delivery("evt_1"));
    await intake.store(delivery("evt_2"));
    const jobs = await webhookJobs();
    const first = jobs.find((job) => jobEvent(job) === "evt_1");
    const second = jobs.find((job) => jobEvent(job) === "evt_2");
    expect(first?.status).toBe("running");
    expect(second).toMatchObject({ status: "queued", attempts: 0 });

    open();
    const done = await eventually(webhookJobs, (jobs) =>
      jobs.every((job) => job.status === "succeeded"),
    );
    expect(done.map((job) => job.status)).toEqual(["succeeded", "succeeded"]);
    expect(ran).toEqual([first?.id, second?.id]);
  });

  it("gets no slot while jobs queued before may be waiting: they keep their turn", async () => {
    const runner = startedRunner({ webhook: async () => {} });
    await pause(100);
    // Another instance queued jobs of the kind: until the pool has claimed them, none is handed.
    runner.kick(["webhook"]);
    expect(runner.reserve("webhook", 1)).toBe(0);
    await pause(100);
    const taken = runner.reserve("webhook", 1);
    expect(taken).toBe(1);
    runner.settle(new Map([["webhook", taken]]), []);
  });

  it("goes back to the queue, its attempt given back, when the runner stops before it starts", async () => {
    const ran: string[] = [];
    const runner = startedRunner({ webhook: async (job) => void ran.push(job.id) });
    await pause(100);
    const reserved = new Map([["webhook", runner.reserve("webhook", 1)]]);
    const queued = await store.enqueueJobs([
      { kind: "webhook", payload: {}, heldBy: runner.holder },
    ]);
    await runner.stop({ graceMs: 100, settleMs: 100 });
    runner.settle(reserved, queued);

    const [job] = await eventually(webhookJobs, ([first]) => first?.status === "queued");
    expect(job).toMatchObject({ status: "queued", attempts: 0 });
    expect(ran).toEqual([]);
  });

  it("is taken over once its lease runs out when its runner died, the attempt counted", async () => {
    await store.enqueueJobs([
      { kind: "webhook", payload: {}, heldBy: { owner: "runner_killed", leaseMs: 20 } },
    ]);
    await pause(50);
    const ran: JobRecord[] = [];
    const survivor = new JobRunner({
      store,
      log: silent,
      handlers: { webhook: async (job) => void ran.push(job) },
    });
    expect(await survivor.drain()).toBe(1);
    expect(ran[0]).toMatchObject({ attempts: 2, owner: survivor.id });
    const [job] = await webhookJobs();
    expect(job?.status).toBe("succeeded");
  });
});
