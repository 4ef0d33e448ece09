import type { UsageRow } from "../../store/billing-queries.ts";
import type { BilledSubject, PricedSpan } from "./billable.ts";
import type { BillingPeriod } from "./period.ts";
import { spanHasDay } from "./plan-spans.ts";
import { type PricedLines, type PricedPlan, type Proration, priceLines } from "./pricing.ts";
import { meterQuantities } from "./usage-totals.ts";

/**
 * The lines a subject owes for one span of a period on a plan: the usage of the span's days, and
 * its plan's fixed amounts and included units prorated when the span is not the whole period.
 */
export function spanLines(
  subject: BilledSubject,
  span: PricedSpan & { plan: PricedPlan },
  period: BillingPeriod,
  rows: UsageRow[],
): PricedLines {
  const days = rows.filter((row) => spanHasDay(span, row.day));
  const quantities = meterQuantities(days, subject.resourceId, subject.meters);
  return priceLines(span.plan, subject.resourceId, quantities, prorationOf(span, period));
}

function prorationOf(span: PricedSpan, period: BillingPeriod): Proration | undefined {
  if (span.start === period.start && span.end === period.end) return undefined;
  return {
    start: span.start,
    end: span.end,
    part: Date.parse(span.end) - Date.parse(span.start),
    whole: Date.parse(period.end) - Date.parse(period.start),
  };
}
