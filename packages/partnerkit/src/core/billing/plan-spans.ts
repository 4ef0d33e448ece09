import type { PlanChange } from "../../store/billing-queries.ts";
import type { BillingPeriod } from "./period.ts";

/** Part of a billing period, `end` exclusive. */
export interface Interval {
  start: string;
  end: string;
}

/** Part of a billing period spent on one plan (`null`: an installation without a plan). */
export interface PlanSpan extends Interval {
  billingPlanId: string | null;
}

/** From `at` on, a subject had `value` (a plan, an owner). */
export interface Change<T> {
  value: T;
  at: string;
}

/**
 * What a subject had during `period`, in time order, from its recorded changes. Only a change of
 * value splits a period: the value a subject was first given counts from the period's start, so
 * a resource created mid-period pays its first period in full, as it always has.
 */
export function timeline<T>(
  changes: Change<T>[],
  period: BillingPeriod,
): (Interval & { value: T })[] {
  const within = changes.filter((change) => change.at > period.start && change.at < period.end);
  const first = changes.filter((change) => change.at <= period.start).at(-1) ?? within.shift();
  if (!first) return [];
  const spans: (Interval & { value: T })[] = [];
  let current = { value: first.value, start: period.start };
  for (const change of within) {
    if (change.value === current.value) continue;
    spans.push({ ...current, end: change.at });
    current = { value: change.value, start: change.at };
  }
  spans.push({ ...current, end: period.end });
  return spans;
}

/** The plans a resource or an installation was on during `period` (see `timeline`). */
export function planSpans(changes: PlanChange[], period: BillingPeriod): PlanSpan[] {
  const byPlan = changes.map(({ billingPlanId, at }) => ({ value: billingPlanId, at }));
  return timeline(byPlan, period).map(({ value, start, end }) => ({
    billingPlanId: value,
    start,
    end,
  }));
}

/**
 * Usage counters are kept per UTC day, so a day's usage goes to the plan (or the owner) in effect
 * at the end of that day: the day of a change counts wholly on the new plan.
 */
export function spanHasDay(span: Interval, day: string): boolean {
  const lastInstant = `${day}T23:59:59.999Z`;
  return span.start <= lastInstant && lastInstant < span.end;
}
