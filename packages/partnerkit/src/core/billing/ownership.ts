import type { OwnerChange } from "../../store/billing-queries.ts";
import type { BillingPeriod } from "./period.ts";
import { type Interval, timeline } from "./plan-spans.ts";

/**
 * The parts of `period` in which `installationId` owned a resource, from its owners oldest first
 * (spec §4.16 transfers): as with plans, the first owner counts from the period's start and a
 * transfer splits the period at its instant.
 */
export function ownedIntervals(
  owners: OwnerChange[],
  installationId: string,
  period: BillingPeriod,
): Interval[] {
  const changes = owners.map(({ installationId: value, since: at }) => ({ value, at }));
  return timeline(changes, period)
    .filter(({ value }) => value === installationId)
    .map(({ start, end }) => ({ start, end }));
}

/** The parts of the spans that fall within the intervals, in time order. */
export function clipped<T extends Interval>(spans: T[], intervals: Interval[]): T[] {
  return spans.flatMap((span) =>
    intervals.flatMap((interval) => {
      const start = span.start > interval.start ? span.start : interval.start;
      const end = span.end < interval.end ? span.end : interval.end;
      return start < end ? [{ ...span, start, end }] : [];
    }),
  );
}
