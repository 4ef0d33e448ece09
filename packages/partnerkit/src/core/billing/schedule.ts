import type { Logger } from "pino";
import type { BillingService } from "./billing-service.ts";

/**
 * Every `PARTNERKIT_BILLING_INTERVAL` seconds (DESIGN §3) enqueues the billing jobs of the
 * interval; several processes may run it, the jobs' dedupe keys keep one per interval. Not at
 * start: a process that is restarted often would otherwise call Vercel on every start, and a call
 * in its retries holds up shutdown. Returns a function that stops it.
 */
export function startBillingSchedule(
  billing: BillingService,
  intervalSeconds: number,
  logger: Logger,
  onEnqueued: () => void,
): () => void {
  const tick = async () => {
    try {
      if ((await billing.schedule(intervalSeconds)) > 0) onEnqueued();
    } catch (error) {
      logger.warn({ err: error }, "scheduling billing jobs failed");
    }
  };
  const timer = setInterval(tick, Math.max(1, intervalSeconds) * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
