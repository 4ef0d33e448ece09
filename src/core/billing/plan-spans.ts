import type { PlanChange } from "../../store/billing-queries.ts";
import type { BillingPeriod } from "./period.ts";

/** Part of a billing period spent on one plan (`null`: an installation without a plan). */
export interface PlanSpan {
  billingPlanId: string | null;
  start: string;
  end: string;
}

/**
 * The plans a resource or an installation was on during `period`, in time order, from its
 * recorded plan changes. Only a change of plan splits a period: the plan a subject was first given
 * counts from the period's start, so a resource created mid-period pays its first period in full,
 * as it always has.
 */
export function planSpans(changes: PlanChange[], period: BillingPeriod): PlanSpan[] {
  const within = changes.filter((change) => change.at > period.start && change.at < period.end);
  const first = changes.filter((change) => change.at <= period.start).at(-1) ?? within.shift();
  if (!first) return [];
  const spans: PlanSpan[] = [];
  let current = { billingPlanId: first.billingPlanId, start: period.start };
  for (const change of within) {
    if (change.billingPlanId === current.billingPlanId) continue;
    spans.push({ ...current, end: change.at });
    current = { billingPlanId: change.billingPlanId, start: change.at };
  }
  spans.push({ ...current, end: period.end });
  return spans;
}

/**
 * Usage counters are kept per UTC day, so a day's usage goes to the plan in effect at the end of
 * that day: the day of a change counts wholly on the new plan.
 */
export function spanHasDay(span: PlanSpan, day: string): boolean {
  const lastInstant = `${day}T23:59:59.999Z`;
  return span.start <= lastInstant && lastInstant < span.end;
}
