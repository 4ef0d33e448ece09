import type { Logger } from "pino";
import type { Store } from "../store/store.ts";

const HOUR_MS = 60 * 60_000;

/** Idempotency keys must outlive Vercel's retries (spec §3.1: at least 24 h); we keep two days. */
export const IDEMPOTENCY_RETENTION_MS = 48 * HOUR_MS;
/** Vercel retries a webhook for up to 24 h (spec §6): a week of ids still stops every replay. */
export const WEBHOOK_EVENT_RETENTION_MS = 7 * 24 * HOUR_MS;
/** Succeeded jobs stay a day for `partnerkit jobs`; queued and dead ones are never pruned. */
export const SUCCEEDED_JOB_RETENTION_MS = 24 * HOUR_MS;
const PRUNE_EVERY_MS = HOUR_MS;

const PRUNERS = [
  { what: "idempotency keys", keepMs: IDEMPOTENCY_RETENTION_MS, prune: "pruneIdempotencyKeys" },
  { what: "succeeded jobs", keepMs: SUCCEEDED_JOB_RETENTION_MS, prune: "pruneSucceededJobs" },
  { what: "webhook events", keepMs: WEBHOOK_EVENT_RETENTION_MS, prune: "pruneWebhookEvents" },
] as const;

/**
 * Drops what has outlived its use, so the tables on every hot path stay small: expired
 * idempotency keys, succeeded jobs, and deliveries past Vercel's retry window. Returns how many
 * rows of each were removed.
 */
export async function pruneStore(store: Store, now = Date.now()): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  for (const { what, keepMs, prune } of PRUNERS)
    removed[what] = await store[prune](new Date(now - keepMs).toISOString());
  return removed;
}

export interface PruningOptions {
  everyMs?: number;
  /** The first run comes at a random moment within this long after start. */
  firstRunWithinMs?: number;
}

/** Runs `pruneStore` soon after start, then hourly; returns a function that stops it. */
export function startPruning(
  store: Store,
  logger: Logger,
  { everyMs = PRUNE_EVERY_MS, firstRunWithinMs }: PruningOptions = {},
): () => void {
  let stopped = false;
  const prune = async () => {
    try {
      const removed = await pruneStore(store);
      if (Object.values(removed).some((count) => count > 0)) logger.info({ removed }, "pruned");
    } catch (error) {
      // A run cut short by the store closing at shutdown is not worth a warning.
      if (!stopped) logger.warn({ err: error }, "pruning failed");
    }
  };
  const stop = runSoonThenEvery(prune, everyMs, firstRunWithinMs);
  return () => {
    stopped = true;
    stop();
  };
}

const MAX_START_JITTER_MS = 10_000;

/**
 * Runs `run` at a random moment within `firstRunWithinMs` of now (by default a tenth of the period,
 * at most 10 s), then every `everyMs`; returns a function that stops it. Running soon after start
 * keeps a process restarted more often than the period from never running it at all; the jitter
 * keeps a fleet restarted together from hitting the database at the same moment.
 */
export function runSoonThenEvery(
  run: () => Promise<void>,
  everyMs: number,
  firstRunWithinMs = Math.min(MAX_START_JITTER_MS, everyMs / 10),
): () => void {
  const first = setTimeout(run, Math.random() * firstRunWithinMs);
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
