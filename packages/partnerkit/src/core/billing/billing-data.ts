import type {
  VercelBillingDataRequest,
  VercelBillingItem,
  VercelDiscount,
  VercelUsage,
} from "../../protocol/vercel-api.ts";
import { billedSubjects, subjectUsage } from "./billable.ts";
import type { BillingReads } from "./billing-reads.ts";
import { dayOf, endOfDay, periodOf } from "./period.ts";
import { spanLines } from "./span-lines.ts";
import { usageLines } from "./usage-totals.ts";

/**
 * Spec §5.12 as of `at`: running totals of the period so far, priced per subscription plan each
 * resource (or the installation) was on, in the `{ items, discounts }` form. Built from the
 * counters alone, so a retried submission sends the same totals and never adds usage twice.
 * Undefined when nothing was billed in the period.
 */
export async function billingData(
  reads: BillingReads,
  at: Date,
): Promise<VercelBillingDataRequest | undefined> {
  const period = periodOf(at);
  const subjects = await billedSubjects(reads, period);
  if (subjects.length === 0) return undefined;
  const day = dayOf(at);
  const rows = await subjectUsage(reads, period, subjects, {
    fromDay: dayOf(period.start),
    toDay: day,
  });
  const items: VercelBillingItem[] = [];
  const discounts: VercelDiscount[] = [];
  const usage: VercelUsage[] = [];
  for (const subject of subjects) {
    usage.push(...usageLines(rows, subject.resourceId, subject.meters, day));
    for (const span of subject.spans) {
      if (span.plan?.type !== "subscription") continue;
      const lines = spanLines(subject, { ...span, plan: span.plan }, period, rows);
      items.push(...lines.items);
      discounts.push(...lines.discounts);
    }
  }
  return {
    timestamp: at.toISOString(),
    eod: endOfDay(at, period),
    period,
    billing: { items, discounts },
    usage,
  };
}
