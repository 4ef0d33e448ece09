import { BenchError } from "../lib/errors.ts";
import { formatCount, formatRate, formatSeconds } from "../lib/format.ts";
import type { LatencySummary } from "../lib/latency.ts";
import { itemsForRun, type LoadResult, runLoad } from "../lib/load.ts";
import { loadFailures } from "../lib/load-failures.ts";
import { progress } from "../lib/progress.ts";
import type { BenchOptions } from "../options.ts";
import type { ChildServer } from "../servers/child-server.ts";
import { type Drain, type JobCounts, JobQueueProbe } from "../servers/job-queue.ts";
import { databaseFile } from "../servers/partnerkit.ts";
import { type SignedDelivery, WEBHOOK_PATH } from "../servers/webhook-delivery.ts";
import { buildDeliveries, deliveryFeed } from "./deliveries.ts";
import type { IngestEnvironment } from "./environment.ts";

/** Deliveries are cheap to sign but each holds its ~1 KB body: a bound on the bench's memory. */
const MAX_DELIVERIES = 150_000;
/** How long our server's background work may take to catch up after a run. */
const DRAIN_TIMEOUT_MS = 60_000;

/** What happened in our server's job queue around the measured run. */
export interface Background {
  /** The catch-up after the warm-up, before the measured run started. */
  warmupDrain: Drain;
  /** The queue when the measured run ended, before any catch-up. */
  atEnd: JobCounts;
  /** Jobs completed during the run: the background work that competed with ingestion. */
  completedDuringRun: number;
  /** The catch-up after the measured run. */
  drain: Drain;
  /** Enqueue to completion, for the jobs enqueued during the run. */
  lag: LatencySummary & { jobs: number };
}

export interface Measurement {
  warmup: { ours: LoadResult; ceiling: LoadResult };
  deliveriesBuilt: number;
  buildMs: number;
  ours: LoadResult;
  ceiling: LoadResult;
  background: Background;
  /** Deliveries our server stored, against its 2xx answers (warm-up included). */
  storedEvents: number;
  acceptedDeliveries: number;
  /** Lines our server logged (at `LOG_LEVEL=warn`) from the warm-up to the end. */
  serverLogLines: number;
}

/**
 * Warm up both servers (letting our job queue catch up), then post pre-signed deliveries to each
 * for the measured duration, watching our queue drain afterwards. Every delivery has its own
 * event id, so each is stored and processed; each server sees each delivery at most once.
 */
export async function measure(env: IngestEnvironment, options: BenchOptions): Promise<Measurement> {
  const queue = JobQueueProbe.open(databaseFile(env.dataDir));
  const logLinesBefore = env.ours.outputLines;
  try {
    // One spare delivery per connection: each builds its next request before it is sent.
    const warmDeliveries = build(options.warmupRequests + options.connections, "warm-up", env);
    const warmup = {
      ours: await load(env.ours, warmDeliveries, options, options.warmupRequests),
      ceiling: await load(env.ceiling, warmDeliveries, options, options.warmupRequests),
    };
    const warmupFailures = [
      ...loadFailures("partnerkit warm-up", warmup.ours),
      ...loadFailures("ceiling warm-up", warmup.ceiling),
    ];
    if (warmupFailures.length > 0)
      throw new BenchError(`Warm-up failed:\n${warmupFailures.join("\n")}`);
    const warmupDrain = await drain(queue, env.ours, "warm-up");

    const fastest = Math.max(
      warmup.ours.lateRequestsPerSecond,
      warmup.ceiling.lateRequestsPerSecond,
    );
    const wanted = itemsForRun(fastest, options.durationSeconds);
    const count = Math.min(MAX_DELIVERIES, Math.max(options.connections * 4, wanted));
    const buildStarted = performance.now();
    const deliveries = build(count, "measured", env);
    const buildMs = performance.now() - buildStarted;
    progress(`built and signed ${formatCount(count)} deliveries in ${formatSeconds(buildMs)}`);

    const before = queue.counts();
    const startedAt = new Date();
    const ours = await load(env.ours, deliveries, options);
    const endedAt = new Date();
    const atEnd = queue.counts();
    const completedDuringRun = atEnd.succeeded - before.succeeded;
    progress(
      `job queue at the end of the run: ${formatCount(completedDuringRun)} jobs done during it, ` +
        `${formatCount(atEnd.pending)} pending`,
    );
    const drained = await drain(queue, env.ours, "measured run");
    const ceiling = await load(env.ceiling, deliveries, options);
    return {
      warmup,
      deliveriesBuilt: count,
      buildMs,
      ours,
      ceiling,
      background: {
        warmupDrain,
        atEnd,
        completedDuringRun,
        drain: drained,
        lag: queue.completionLag(startedAt, endedAt),
      },
      storedEvents: queue.storedWebhookEvents(),
      // The delivery that read our server's answer for the ceiling was stored too.
      acceptedDeliveries: warmup.ours.ok + ours.ok + 1,
      serverLogLines: env.ours.outputLines - logLinesBefore,
    };
  } finally {
    queue.close();
  }
}

/** Non-2xx answers, connection errors, accepted deliveries not stored, dead jobs. */
export function measurementFailures(measurement: Measurement): string[] {
  const failures = [
    ...loadFailures("partnerkit", measurement.ours),
    ...loadFailures("ceiling", measurement.ceiling),
  ];
  const { storedEvents, acceptedDeliveries, background } = measurement;
  if (storedEvents < acceptedDeliveries) {
    failures.push(
      `partnerkit: ${formatCount(acceptedDeliveries)} deliveries answered 2xx but only ` +
        `${formatCount(storedEvents)} stored`,
    );
  }
  if (background.drain.counts.dead > 0)
    failures.push(`partnerkit: ${formatCount(background.drain.counts.dead)} jobs are dead`);
  return failures;
}

function build(count: number, phase: string, env: IngestEnvironment): SignedDelivery[] {
  return buildDeliveries(count, phase, env.seeded.installationId);
}

async function load(
  server: ChildServer,
  deliveries: readonly SignedDelivery[],
  options: BenchOptions,
  warmupRequests?: number,
): Promise<LoadResult> {
  const what =
    warmupRequests !== undefined
      ? `${formatCount(warmupRequests)} warm-up deliveries`
      : `${options.durationSeconds} s of deliveries`;
  progress(`${server.name}: ${what} at ${options.connections} connections…`);
  const result = await runLoad({
    baseUrl: server.url,
    method: "POST",
    path: WEBHOOK_PATH,
    connections: options.connections,
    feed: deliveryFeed(deliveries),
    serverPid: server.pid,
    ...(warmupRequests !== undefined
      ? { requests: warmupRequests }
      : { durationSeconds: options.durationSeconds }),
  });
  progress(
    `${server.name}: ${formatRate(result.requestsPerSecond)} req/s, ` +
      `p99 ${result.latency.p99.toFixed(2)} ms, ${formatCount(result.non2xx)} non-2xx` +
      (result.serverCpu ? `, ${result.serverCpu.msPerRequest.toFixed(3)} CPU ms/request` : "") +
      (result.feedExhausted && warmupRequests === undefined
        ? " — deliveries ran out, run ended early"
        : ""),
  );
  return result;
}

async function drain(queue: JobQueueProbe, server: ChildServer, after: string): Promise<Drain> {
  const result = await queue.waitUntilDrained(DRAIN_TIMEOUT_MS, server.pid);
  progress(
    result.drained
      ? `job queue drained ${formatSeconds(result.ms)} after the ${after}`
      : `job queue still had ${formatCount(result.counts.pending)} jobs ` +
          `${formatSeconds(result.ms)} after the ${after}`,
  );
  return result;
}
