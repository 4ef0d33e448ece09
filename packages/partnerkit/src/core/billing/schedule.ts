import type { Logger } from "pino";
import { runSoonThenEvery } from "../maintenance.ts";
import type { BillingService } from "./billing-service.ts";

export interface BillingScheduleOptions {
  /** The first run comes at a random moment within this long after start. */
  firstRunWithinMs?: number;
}

/**
 * Soon after start, then every `PARTNERKIT_BILLING_INTERVAL` seconds (DESIGN §3), enqueues the
 * billing jobs of the interval, so a process restarted more often than the interval still reports
 * usage. Several processes and restarts may run it: the jobs' dedupe keys keep one per interval.
 * It only enqueues: the calls to Vercel run as jobs, whose runner bounds them at shutdown (it
 * aborts and hands back jobs still running after its grace period), so a run at start cannot hold
 * up a stop. Returns a function that stops it.
 */
export function startBillingSchedule(
  billing: Pick<BillingService, "schedule">,
  intervalSeconds: number,
  logger: Logger,
  onEnqueued?: () => void,
  { firstRunWithinMs }: BillingScheduleOptions = {},
): () => void {
  let stopped = false;
  const tick = async () => {
    try {
      if ((await billing.schedule(intervalSeconds)) > 0 && !stopped) onEnqueued?.();
    } catch (error) {
      // A run cut short by the store closing at shutdown is not worth a warning.
      if (!stopped) logger.warn({ err: error }, "scheduling billing jobs failed");
    }
  };
  const stop = runSoonThenEvery(tick, Math.max(1, intervalSeconds) * 1000, firstRunWithinMs);
  return () => {
    stopped = true;
    stop();
  };
}
