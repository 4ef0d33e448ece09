import { formatCount, formatRate, formatSeconds } from "../lib/format.ts";
import type { LatencySummary } from "../lib/latency.ts";
import { type LoadResult, runLoadAcross } from "../lib/load.ts";
import { type PacedLoadResult, runPacedLoad } from "../lib/paced-load.ts";
import { progress } from "../lib/progress.ts";
import type { BenchOptions } from "../options.ts";
import type { ChildServer } from "../servers/child-server.ts";
import type { Drain, JobCounts, JobQueueProbe } from "../servers/job-queue.ts";
import { type SignedDelivery, WEBHOOK_PATH } from "../servers/webhook-delivery.ts";
import { deliveryFeed } from "./deliveries.ts";

/** How long our servers' background work may take to catch up after a run. */
const DRAIN_TIMEOUT_MS = 60_000;

/** What happened in our servers' job queue around a measured run. */
export interface Background {
  /** The catch-up after the warm-up, before the measured run started. */
  warmupDrain: Drain;
  /** The queue when the measured run ended, before any catch-up. */
  atEnd: JobCounts;
  /** Jobs completed during the run: the background work that competed with ingestion. */
  completedDuringRun: number;
  /** Of those, per second of the run: whether processing kept up with ingestion. */
  processedPerSecond: number;
  /** The catch-up after the measured run. */
  drain: Drain;
  /** Enqueue to completion, for the jobs enqueued during the run. */
  lag: LatencySummary & { jobs: number };
}

/**
 * Posts deliveries to `servers` (the connections split evenly between them, as a load balancer
 * spreads them), at most `warmupRequests` of them, or for the measured duration.
 */
export async function postDeliveries(
  servers: readonly ChildServer[],
  deliveries: readonly SignedDelivery[],
  options: BenchOptions,
  warmupRequests?: number,
): Promise<LoadResult> {
  const name = servers.length === 1 ? (servers[0]?.name ?? "") : `${servers.length} instances`;
  const what =
    warmupRequests !== undefined
      ? `${formatCount(warmupRequests)} warm-up deliveries`
      : `${options.durationSeconds} s of deliveries`;
  progress(`${name}: ${what} at ${options.connections} connections…`);
  const result = await runLoadAcross(
    servers.map((server) => ({ baseUrl: server.url, serverPid: server.pid })),
    {
      method: "POST",
      path: WEBHOOK_PATH,
      connections: options.connections,
      feed: deliveryFeed(deliveries),
      ...(warmupRequests !== undefined
        ? { requests: warmupRequests }
        : { durationSeconds: options.durationSeconds }),
    },
  );
  progress(
    `${name}: ${formatRate(result.requestsPerSecond)} req/s, ` +
      `p99 ${result.latency.p99.toFixed(2)} ms, ${formatCount(result.non2xx)} non-2xx` +
      (result.serverCpu ? `, ${result.serverCpu.msPerRequest.toFixed(3)} CPU ms/request` : "") +
      (result.feedExhausted && warmupRequests === undefined
        ? " — deliveries ran out, run ended early"
        : ""),
  );
  return result;
}

/** Waits for the servers' queue to empty, charging them the CPU time it took. */
export async function drain(
  queue: JobQueueProbe,
  servers: readonly ChildServer[],
  after: string,
): Promise<Drain> {
  const result = await queue.waitUntilDrained(
    DRAIN_TIMEOUT_MS,
    servers.map((server) => server.pid),
  );
  progress(
    result.drained
      ? `job queue drained ${formatSeconds(result.ms)} after the ${after}`
      : `job queue still had ${formatCount(result.counts.pending)} jobs ` +
          `${formatSeconds(result.ms)} after the ${after}`,
  );
  return result;
}

/** The measured run, watching the queue: how much was processed during it, and the catch-up. */
export function measuredRun(
  queue: JobQueueProbe,
  servers: readonly ChildServer[],
  deliveries: readonly SignedDelivery[],
  options: BenchOptions,
  warmupDrain: Drain,
): Promise<{ ours: LoadResult; background: Background }> {
  return watchingQueue(queue, servers, warmupDrain, "measured run", () =>
    postDeliveries(servers, deliveries, options),
  ).then(({ run, background }) => ({ ours: run, background }));
}

/**
 * Deliveries to `server` at a steady `ratePerSecond` (an open loop: see `runPacedLoad`), at the
 * benchmark's connections and duration.
 */
export async function pacedLoad(
  server: ChildServer,
  deliveries: readonly SignedDelivery[],
  ratePerSecond: number,
  options: BenchOptions,
): Promise<PacedLoadResult> {
  progress(
    `${server.name}: ${options.durationSeconds} s of deliveries at a steady ` +
      `${formatCount(ratePerSecond)}/s over ${options.connections} connections…`,
  );
  const run = await runPacedLoad({
    baseUrl: server.url,
    method: "POST",
    path: WEBHOOK_PATH,
    connections: options.connections,
    ratePerSecond,
    durationSeconds: options.durationSeconds,
    feed: deliveryFeed(deliveries),
  });
  progress(
    `${server.name}: ${formatRate(run.answeredPerSecond)} answered/s, ` +
      `p99 ${run.latency.p99.toFixed(2)} ms, ${formatCount(run.non2xx)} non-2xx, ` +
      `${formatCount(run.errors)} errors`,
  );
  return run;
}

/** `pacedLoad` to our server, watching the queue as the measured run does. */
export function pacedRun(
  queue: JobQueueProbe,
  server: ChildServer,
  deliveries: readonly SignedDelivery[],
  ratePerSecond: number,
  options: BenchOptions,
  warmupDrain: Drain,
): Promise<{ run: PacedLoadResult; background: Background }> {
  return watchingQueue(queue, [server], warmupDrain, "paced run", () =>
    pacedLoad(server, deliveries, ratePerSecond, options),
  );
}

/** Runs `load`, then reads what the queue did during it and waits for it to catch up. */
async function watchingQueue<Run extends { elapsedSeconds: number }>(
  queue: JobQueueProbe,
  servers: readonly ChildServer[],
  warmupDrain: Drain,
  name: string,
  load: () => Promise<Run>,
): Promise<{ run: Run; background: Background }> {
  const before = await queue.counts();
  const startedAt = new Date();
  const run = await load();
  const endedAt = new Date();
  const atEnd = await queue.counts();
  const completedDuringRun = atEnd.succeeded - before.succeeded;
  progress(
    `job queue at the end of the ${name}: ${formatCount(completedDuringRun)} jobs done during it, ` +
      `${formatCount(atEnd.pending)} pending`,
  );
  return {
    run,
    background: {
      warmupDrain,
      atEnd,
      completedDuringRun,
      processedPerSecond: completedDuringRun / Math.max(run.elapsedSeconds, 0.001),
      drain: await drain(queue, servers, name),
      lag: await queue.completionLag(startedAt, endedAt),
    },
  };
}

/** Deliveries answered 2xx but not stored, and jobs that ended dead. */
export function queueFailures(
  name: string,
  run: { storedEvents: number; acceptedDeliveries: number; background: Background },
): string[] {
  const failures: string[] = [];
  if (run.storedEvents < run.acceptedDeliveries) {
    failures.push(
      `${name}: ${formatCount(run.acceptedDeliveries)} deliveries answered 2xx but only ` +
        `${formatCount(run.storedEvents)} stored`,
    );
  }
  const { dead } = run.background.drain.counts;
  if (dead > 0) failures.push(`${name}: ${formatCount(dead)} jobs are dead`);
  return failures;
}
