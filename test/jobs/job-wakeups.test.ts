import { sql } from "kysely";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jobsCommand } from "../../packages/partnerkit/src/cli/jobs.ts";
import { type JobHandler, JobRunner } from "../../packages/partnerkit/src/jobs/job-runner.ts";
import { type Database, openDatabase } from "../../packages/partnerkit/src/store/database.ts";
import { createStore, migrateStore } from "../../packages/partnerkit/src/store/kysely-store.ts";
import { SecretBox } from "../../packages/partnerkit/src/store/secret-box.ts";
import type { Store } from "../../packages/partnerkit/src/store/store.ts";
import { TEST_ENGINE } from "../support/database.ts";
import { IdleRunners, NEVER_POLLS } from "../support/idle-runners.ts";
import { TEST_ENCRYPTION_KEY } from "../support/partner-app.ts";
import { openTestStore } from "../support/store.ts";

const silent = pino({ level: "silent" });
const PROMPTLY_MS = 5_000;

let database: Database;
let store: Store;
const runners = new IdleRunners();
const idleRunner = runners.start.bind(runners);
const cleanups: (() => Promise<void>)[] = [];
beforeEach(async () => {
  ({ database, store } = await openTestStore());
});
afterEach(async () => {
  await runners.stopAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await database.close();
});

/** Resolves with the id of each job `kind` runs, in order; `ran.next()` waits for the next. */
function recorder() {
  const ids: string[] = [];
  const waiting: ((id: string) => void)[] = [];
  const handler: JobHandler = async (job) => {
    const next = waiting.shift();
    if (next) next(job.id);
    else ids.push(job.id);
  };
  const next = () =>
    within(
      new Promise<string>((resolve) => {
        const id = ids.shift();
        if (id) resolve(id);
        else waiting.push(resolve);
      }),
    );
  return { handler, next };
}

function within<T>(promise: Promise<T>, ms = PROMPTLY_MS): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms)),
  ]);
}

/** Lets the runner finish its start-up claim, so the test's job meets an idle runner. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe("an idle runner wakes when jobs are queued", () => {
  it("runs a job queued through the store at once, long before its next poll", async () => {
    const ran = recorder();
    idleRunner(store, { k: ran.handler });
    await settle();
    const job = await store.enqueueJob({ kind: "k", payload: {} });
    expect(await ran.next()).toBe(job?.id);
  });

  it("wakes for a job queued inside a transaction once it commits", async () => {
    const ran = recorder();
    idleRunner(store, { k: ran.handler });
    await settle();
    const job = await store.transaction(async (tx) => {
      const queued = await tx.enqueueJob({ kind: "k", payload: {} });
      await new Promise((resolve) => setTimeout(resolve, 50));
      return queued;
    });
    expect(await ran.next()).toBe(job?.id);
  });

  it("wakes for a job a retry puts back in the queue", async () => {
    const ran = recorder();
    const dead = await store.enqueueJob({ kind: "k", payload: {}, maxAttempts: 1 });
    await store.claimJobs(1, -1_000, ["k"], "runner_died");
    expect(await store.claimJobs(1, 60_000)).toEqual([]);
    idleRunner(store, { k: ran.handler });
    await settle();
    expect(await store.requeueJob(dead?.id ?? "")).toBe(true);
    expect(await ran.next()).toBe(dead?.id);
  });
});

describe("an idle runner wakes when a job comes due", () => {
  /** Runs of kind `k`: when each started, and for which job. */
  function timedRecorder(fail: (attempt: number) => boolean = () => false) {
    const runs: { id: string; at: number; attempt: number }[] = [];
    const handler: JobHandler = async (job) => {
      runs.push({ id: job.id, at: Date.now(), attempt: job.attempts });
      if (fail(job.attempts)) throw new Error(`attempt ${job.attempts} fails`);
    };
    return { runs, handler };
  }

  const until = (done: () => boolean) =>
    vi.waitFor(() => expect(done()).toBe(true), { timeout: PROMPTLY_MS, interval: 20 });

  it("runs a job queued for later once it is due, long before the next poll", async () => {
    const runAt = new Date(Date.now() + 300);
    const job = await store.enqueueJob({ kind: "k", payload: {}, runAt });
    const ran = timedRecorder();
    idleRunner(store, { k: ran.handler });
    await until(() => ran.runs.length === 1);
    expect(ran.runs[0]?.id).toBe(job?.id);
    expect(ran.runs[0]?.at).toBeGreaterThanOrEqual(runAt.getTime());
  });

  it("wakes for each of several jobs due one after another", async () => {
    const start = Date.now();
    const runAts = [150, 300, 450, 600].map((ms) => new Date(start + ms));
    for (const runAt of runAts) await store.enqueueJob({ kind: "k", payload: {}, runAt });
    const ran = timedRecorder();
    idleRunner(store, { k: ran.handler });
    await until(() => ran.runs.length === runAts.length);
    ran.runs.forEach((run, index) => {
      expect(run.at).toBeGreaterThanOrEqual(runAts[index]?.getTime() ?? Number.NaN);
    });
  });

  /**
   * A job of kind `due` queued to come due well after the runner's start-up claims (which the
   * caller's spies leave out), beside a pool of its own for the idle kind `alone`; resolves once
   * it has run.
   */
  async function runDueJobBesideIdlePool(spies: { mockClear(): void }[]) {
    const runAt = new Date(Date.now() + 1_000);
    const job = await store.enqueueJob({ kind: "due", payload: {}, runAt });
    const ran = timedRecorder();
    idleRunner(
      store,
      { due: ran.handler, idle: async () => {}, alone: async () => {} },
      { concurrency: { default: 2, perKind: { alone: 1 } } },
    );
    await settle();
    for (const spy of spies) spy.mockClear();
    await until(() => ran.runs.length === 1);
    expect(ran.runs[0]?.id).toBe(job?.id);
  }

  it("wakes only the pool whose job comes due, also when it shares its slots with idle kinds", async () => {
    const claims = vi.spyOn(store, "claimJobs");
    await runDueJobBesideIdlePool([claims]);
    const kindsClaimed = claims.mock.calls.map(([, , kinds]) => kinds);
    expect(kindsClaimed.length).toBeGreaterThan(0);
    expect(kindsClaimed.every((kinds) => !kinds?.includes("alone"))).toBe(true);
  });

  it("asks when the next jobs come due only for the pool its due job woke", async () => {
    const lookups = vi.spyOn(store, "nextJobsDue");
    await runDueJobBesideIdlePool([lookups]);
    // The claim that ran it came back short: the runner then asks what comes next for that pool.
    await until(() => lookups.mock.calls.length > 0);
    expect(lookups.mock.calls.map(([kinds]) => [...kinds].sort())).toEqual([["due", "idle"]]);
  });

  it("runs a failed job again when its backoff ends, not at the next poll", async () => {
    const ran = timedRecorder((attempt) => attempt === 1);
    idleRunner(store, { k: ran.handler }, { backoff: { baseMs: 200, maxMs: 200 } });
    await settle();
    await store.enqueueJob({ kind: "k", payload: {} });
    // Its success is written after the handler returns.
    const [retried] = await vi.waitFor(
      async () => {
        const succeeded = await store.listJobs({ status: "succeeded" });
        expect(succeeded).toHaveLength(1);
        return succeeded;
      },
      { timeout: PROMPTLY_MS, interval: 20 },
    );
    expect(ran.runs.map((run) => run.attempt)).toEqual([1, 2]);
    expect(retried?.attempts).toBe(2);
  });
});

describe.runIf(TEST_ENGINE === "sqlite")("a wake names the kinds it is about", () => {
  it("makes only the pool that runs the queued kind look for jobs", async () => {
    const ran = recorder();
    const claims = vi.spyOn(store, "claimJobs");
    idleRunner(
      store,
      { fast: ran.handler, slow: async () => {}, other: async () => {} },
      { concurrency: { default: 2, perKind: { fast: 4, slow: 1 } } },
    );
    await settle();
    claims.mockClear();
    const job = await store.enqueueJob({ kind: "fast", payload: {} });
    expect(await ran.next()).toBe(job?.id);
    expect(claims.mock.calls.map(([, , kinds]) => kinds)).toEqual([["fast"]]);
  });
});

describe.runIf(TEST_ENGINE === "postgres")("instances sharing one PostgreSQL schema", () => {
  /** Another instance: its own connections (pool and LISTEN) to the test's schema. */
  async function otherInstance(): Promise<{ database: Database; store: Store }> {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
      database.kysely,
    );
    const other = openDatabase(process.env.TEST_DATABASE_URL, { searchPath: rows[0]?.schema });
    await migrateStore(other);
    cleanups.push(() => other.close());
    return { database: other, store: createStore(other, SecretBox.fromEnv(TEST_ENCRYPTION_KEY)) };
  }

  it("runs a job queued by one instance on another's idle runner at once", async () => {
    const other = await otherInstance();
    const ran = recorder();
    idleRunner(other.store, { k: ran.handler });
    await settle();
    for (let round = 0; round < 3; round++) {
      const job = await store.enqueueJob({ kind: "k", payload: { round } });
      expect(await ran.next()).toBe(job?.id);
    }
  });

  it("hands a job back to another instance's idle runner at once when its runner stops", async () => {
    const other = await otherInstance();
    const job = await store.enqueueJob({ kind: "k", payload: {} });
    let started = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const stopping = new JobRunner({
      store,
      log: silent,
      pollMs: NEVER_POLLS,
      handlers: {
        k: (_job, signal) => {
          started();
          return new Promise((_, reject) =>
            signal.addEventListener("abort", () => reject(signal.reason)),
          );
        },
      },
    });
    stopping.start();
    await within(running);
    const ran = recorder();
    idleRunner(other.store, { k: ran.handler });
    await settle();
    await stopping.stop({ graceMs: 20 });
    expect(await ran.next()).toBe(job?.id);
  });

  it("runs a dead job `partnerkit jobs retry` puts back at once, long before its next poll", async () => {
    const ran = recorder();
    idleRunner(store, { k: ran.handler });
    await settle();
    const job = await store.enqueueJob({
      kind: "k",
      payload: {},
      runAt: new Date(Date.now() + 3_600_000),
    });
    await sql`update jobs set status = 'dead' where id = ${job?.id}`.execute(database.kysely);
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
      database.kysely,
    );
    const url = `${process.env.TEST_DATABASE_URL}?options=-c%20search_path%3D${rows[0]?.schema}`;
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      expect(await jobsCommand(["retry", job?.id ?? ""], { DATABASE_URL: url })).toBe(0);
    } finally {
      write.mockRestore();
    }
    expect(await ran.next()).toBe(job?.id);
  });

  it("listens again after its connection is cut, and hears the jobs queued meanwhile", async () => {
    const other = await otherInstance();
    const ran = recorder();
    idleRunner(other.store, { k: ran.handler });
    await settle();
    const listeners = () =>
      sql<{ pid: number }>`
        select pid from pg_stat_activity
        where application_name = 'partnerkit jobs: ' || current_schema()`.execute(database.kysely);
    const [listener] = (await listeners()).rows;
    expect(listener).toBeDefined();
    await sql`select pg_terminate_backend(${listener?.pid})`.execute(database.kysely);

    // Queued while nobody listens: heard of once the connection is back, not at the next poll.
    const missed = await store.enqueueJob({ kind: "k", payload: { missed: true } });
    expect(await ran.next()).toBe(missed?.id);
    const reconnected = (await listeners()).rows;
    expect(reconnected).toHaveLength(1);
    expect(reconnected[0]?.pid).not.toBe(listener?.pid);
    const after = await store.enqueueJob({ kind: "k", payload: { missed: false } });
    expect(await ran.next()).toBe(after?.id);
  });
});
