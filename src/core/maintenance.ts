import type { Logger } from "pino";
import type { Store } from "../store/store.ts";

/** Idempotency keys must outlive Vercel's retries (spec §3.1: at least 24 h); we keep two days. */
export const IDEMPOTENCY_RETENTION_MS = 48 * 60 * 60_000;
const PRUNE_EVERY_MS = 60 * 60_000;

/** Drops expired idempotency keys hourly; returns a function that stops it. */
export function startIdempotencyPruning(store: Store, logger: Logger): () => void {
  const prune = async () => {
    try {
      const removed = await store.pruneIdempotencyKeys(
        new Date(Date.now() - IDEMPOTENCY_RETENTION_MS).toISOString(),
      );
      if (removed > 0) logger.info({ removed }, "pruned idempotency keys");
    } catch (error) {
      logger.warn({ err: error }, "pruning idempotency keys failed");
    }
  };
  const timer = setInterval(prune, PRUNE_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
