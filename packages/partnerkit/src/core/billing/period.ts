/** A billing cycle as sent to Vercel (spec §5.12): ISO instants, `end` exclusive. */
export interface BillingPeriod {
  start: string;
  end: string;
}

/**
 * Calendar months in UTC. The spec lets a partner choose its boundaries freely (§10); one cycle
 * for every resource keeps the invoices few.
 */
export function periodOf(at: Date): BillingPeriod {
  const start = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
  const end = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

export function previousPeriod(period: BillingPeriod): BillingPeriod {
  return periodOf(new Date(Date.parse(period.start) - 1));
}

/** The usage day an instant falls in (UTC), as the counters key it. */
export function dayOf(at: Date | string): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** The last usage day of a period. */
export function lastDayOf(period: BillingPeriod): string {
  return dayOf(new Date(Date.parse(period.end) - 1));
}

/** `eod` of a billing data snapshot: the end of the usage day of `at`, never past the period. */
export function endOfDay(at: Date, period: BillingPeriod): string {
  const nextMidnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1);
  return new Date(Math.min(nextMidnight, Date.parse(period.end))).toISOString();
}
