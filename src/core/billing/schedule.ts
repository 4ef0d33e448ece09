import type { Logger } from "pino";
import type { BillingService } from "./billing-service.ts";

/**
 * Every `PARTNERKIT_BILLING_INTERVAL` seconds (DESIGN §3), and once at start, enqueues the billing
 * jobs of the interval; several processes may run it, the jobs' dedupe keys keep one per interval.
 * Returns a function that stops it.
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
  void tick();
  const timer = setInterval(tick, Math.max(1, intervalSeconds) * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
