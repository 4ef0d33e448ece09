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

/** Runs `pruneStore` hourly; returns a function that stops it. */
export function startPruning(store: Store, logger: Logger): () => void {
  const prune = async () => {
    try {
      const removed = await pruneStore(store);
      if (Object.values(removed).some((count) => count > 0)) logger.info({ removed }, "pruned");
    } catch (error) {
      logger.warn({ err: error }, "pruning failed");
    }
  };
  const timer = setInterval(prune, PRUNE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
