import { type BillingPeriod, periodOf } from "./period.ts";

/** Where the emulator asks a `partnerkit dev` server to close its billing period; `start` never serves it. */
export const CLOSE_PERIOD_PATH = "/__partnerkit/dev/billing/close-period";

/**
 * The time billing reads. `partnerkit dev` moves it forward to close a period on demand, the way
 * a payment provider's test clock does; everywhere else it is the wall clock.
 */
export class BillingClock {
  constructor(
    private offsetMs = 0,
    private readonly onMove?: (offsetMs: number) => Promise<void>,
  ) {}

  now = (): Date => new Date(Date.now() + this.offsetMs);

  /** Jumps to the first instant of the next period and returns the period that just closed. */
  async closePeriod(): Promise<BillingPeriod> {
    const closed = periodOf(this.now());
    this.offsetMs = Date.parse(closed.end) - Date.now();
    await this.onMove?.(this.offsetMs);
    return closed;
  }
}
