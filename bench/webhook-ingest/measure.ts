import { BenchError } from "../lib/errors.ts";
import { formatCount, formatSeconds } from "../lib/format.ts";
import { itemsForRun, type LoadResult } from "../lib/load.ts";
import { loadFailures } from "../lib/load-failures.ts";
import { type PacedLoadResult, pacedRequestCount } from "../lib/paced-load.ts";
import { progress } from "../lib/progress.ts";
import type { BenchOptions } from "../options.ts";
import { JobQueueProbe } from "../servers/job-queue.ts";
import { databaseFile } from "../servers/partnerkit.ts";
import type { SignedDelivery } from "../servers/webhook-delivery.ts";
import { buildDeliveries } from "./deliveries.ts";
import type { IngestEnvironment } from "./environment.ts";
import {
  type Background,
  drain,
  measuredRun,
  pacedLoad,
  pacedRun,
  postDeliveries,
  queueFailures,
} from "./load.ts";
import { TARGET_REQUESTS_PER_SECOND } from "./targets.ts";

/** Deliveries are cheap to sign but each holds its ~1 KB body: a bound on the bench's memory. */
const MAX_DELIVERIES = 150_000;

export interface Measurement {
  warmup: { ours: LoadResult; ceiling: LoadResult };
  deliveriesBuilt: number;
  buildMs: number;
  ours: LoadResult;
  ceiling: LoadResult;
  background: Background;
  /** The sustained rate of the targets, sent steadily (open loop), after the measured run. */
  paced: { run: PacedLoadResult; background: Background };
  /**
   * The ceiling at the same steady rate: the latency this machine gives a server doing only what
   * every receiver must, the floor under ours.
   */
  ceilingPaced: PacedLoadResult;
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
  const queue = JobQueueProbe.sqlite(databaseFile(env.dataDir));
  const logLinesBefore = env.ours.outputLines;
  try {
    // One spare delivery per connection: each builds its next request before it is sent.
    const warmDeliveries = build(options.warmupRequests + options.connections, "warm-up", env);
    const warmup = {
      ours: await postDeliveries([env.ours], warmDeliveries, options, options.warmupRequests),
      ceiling: await postDeliveries([env.ceiling], warmDeliveries, options, options.warmupRequests),
    };
    const warmupFailures = [
      ...loadFailures("partnerkit warm-up", warmup.ours),
      ...loadFailures("ceiling warm-up", warmup.ceiling),
    ];
    if (warmupFailures.length > 0)
      throw new BenchError(`Warm-up failed:\n${warmupFailures.join("\n")}`);
    const warmupDrain = await drain(queue, [env.ours], "warm-up");

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

    const { ours, background } = await measuredRun(
      queue,
      [env.ours],
      deliveries,
      options,
      warmupDrain,
    );
    const pacedDeliveries = build(
      pacedRequestCount(TARGET_REQUESTS_PER_SECOND, options.durationSeconds),
      "paced",
      env,
    );
    const paced = await pacedRun(
      queue,
      env.ours,
      pacedDeliveries,
      TARGET_REQUESTS_PER_SECOND,
      options,
      background.drain,
    );
    const ceiling = await postDeliveries([env.ceiling], deliveries, options);
    const ceilingPaced = await pacedLoad(
      env.ceiling,
      pacedDeliveries,
      TARGET_REQUESTS_PER_SECOND,
      options,
    );
    return {
      warmup,
      deliveriesBuilt: count,
      buildMs,
      ours,
      ceiling,
      background,
      paced,
      ceilingPaced,
      storedEvents: await queue.storedWebhookEvents(),
      // The delivery that read our server's answer for the ceiling was stored too.
      acceptedDeliveries: warmup.ours.ok + ours.ok + paced.run.ok + 1,
      serverLogLines: env.ours.outputLines - logLinesBefore,
    };
  } finally {
    await queue.close();
  }
}

/** Non-2xx answers, connection errors, accepted deliveries not stored, dead jobs. */
export function measurementFailures(measurement: Measurement): string[] {
  return [
    ...loadFailures("partnerkit", measurement.ours),
    ...loadFailures("ceiling", measurement.ceiling),
    ...queueFailures("partnerkit", measurement),
    ...pacedFailures("partnerkit", measurement.paced.run),
    ...pacedFailures("ceiling", measurement.ceilingPaced),
  ];
}

function pacedFailures(name: string, { non2xx, errors }: PacedLoadResult): string[] {
  return non2xx + errors > 0
    ? [
        `${name}, steady rate: ${formatCount(non2xx)} non-2xx answers, ${formatCount(errors)} errors`,
      ]
    : [];
}

function build(count: number, phase: string, env: IngestEnvironment): SignedDelivery[] {
  return buildDeliveries(count, phase, env.seeded.installationId);
}
