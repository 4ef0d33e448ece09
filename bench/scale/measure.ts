import { setTimeout as sleep } from "node:timers/promises";
import { BILLING_JOBS } from "../../packages/partnerkit/src/core/billing/billing-service.ts";
import { processCpuMs } from "../lib/process-cpu.ts";
import type { BenchOptions } from "../options.ts";
import { backendCpuBetween, backendCpuMs } from "../servers/postgres.ts";
import { FIRST_RUN_WITHIN_MS } from "../servers/quiet-servers.ts";
import { type ActionResult, measureActions } from "./actions.ts";
import { type JobKindCount, jobsByKind } from "./background-jobs.ts";
import type { ScaleEnvironment } from "./environment.ts";
import { measureRead, READ_OPERATIONS, type ReadResult } from "./reads.ts";
import { settledTableScans, type TableScans, tableScans } from "./table-scans.ts";

/** Cores kept busy with no request in flight: the server's own background work. */
export interface IdleCpu {
  server?: number;
  database: number;
  /** From ready to the first billing pass having queued a report for every installation. */
  queuedAfterMs: number;
}

export interface ScaleMeasurement {
  idle: IdleCpu;
  reads: ReadResult[];
  actions: ActionResult[];
  /** How PostgreSQL read each table while the measured loads ran (warm-ups included). */
  scans: TableScans[];
  /** The server's job queue at the end: the actions' jobs and its own background work. */
  jobs: JobKindCount[];
}

/**
 * The reads, then the actions, against the data set; then, with our server stopped, how
 * PostgreSQL read each table meanwhile and what the job queue holds.
 */
export async function measure(
  env: ScaleEnvironment,
  options: BenchOptions,
): Promise<ScaleMeasurement> {
  // Every run loads a server whose first billing pass has queued its jobs (see the report).
  await sleep(Math.max(0, env.readyAt + FIRST_RUN_WITHIN_MS - performance.now()));
  await untilReportsQueued(env.dataset.databaseUrl, env.dataset.installations);
  const queuedAfterMs = performance.now() - env.readyAt;
  const before = await tableScans(env.dataset.databaseUrl);
  const idle = { ...(await idleCpu(env)), queuedAfterMs };
  const reads: ReadResult[] = [];
  for (const operation of READ_OPERATIONS) reads.push(await measureRead(env, operation, options));
  const actions = await measureActions(env);
  // Its connections' last counts reach the statistics as they close; its background work stops.
  await env.ours.stop();
  const jobs = await jobsByKind(env.dataset.databaseUrl);
  const scans = await settledTableScans(env.dataset.databaseUrl, before);
  return { idle, reads, actions, scans, jobs };
}

const IDLE_SAMPLE_MS = 3_000;

const QUEUED_WITHIN_MS = 120_000;

/**
 * Queueing a report for each of 100,000 installations is a burst of a few seconds an hour; the
 * loads measure the steady trickle of reports that follows it, not the burst.
 */
async function untilReportsQueued(url: string, installations: number): Promise<void> {
  const deadline = performance.now() + QUEUED_WITHIN_MS;
  while (performance.now() < deadline) {
    const reports = (await jobsByKind(url)).find((jobs) => jobs.kind === BILLING_JOBS.report);
    if ((reports?.enqueued ?? 0) >= installations) return;
    await sleep(500);
  }
  throw new Error(
    `the billing schedule queued no report for every installation within ${QUEUED_WITHIN_MS} ms`,
  );
}

async function idleCpu(env: ScaleEnvironment): Promise<Omit<IdleCpu, "queuedAfterMs">> {
  const { databaseUrl } = env.dataset;
  const serverBefore = await processCpuMs(env.ours.pid);
  const databaseBefore = await backendCpuMs(databaseUrl);
  await sleep(IDLE_SAMPLE_MS);
  const serverAfter = await processCpuMs(env.ours.pid);
  const database = backendCpuBetween(databaseBefore, await backendCpuMs(databaseUrl));
  return {
    ...(serverBefore !== undefined &&
      serverAfter !== undefined && { server: (serverAfter - serverBefore) / IDLE_SAMPLE_MS }),
    database: database / IDLE_SAMPLE_MS,
  };
}
