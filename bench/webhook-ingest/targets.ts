import { formatCount, formatRate } from "../lib/format.ts";
import type { Verdict } from "../lib/verdicts.ts";
import type { Measurement } from "./measure.ts";

/** From the issue: signed ~1 KB deliveries accepted per second on SQLite, at 50 connections. */
export const TARGET_REQUESTS_PER_SECOND = 3_000;

export function verdicts({ ours }: Measurement): Verdict[] {
  return [
    {
      name: "Deliveries accepted per second",
      goal: `≥ ${formatCount(TARGET_REQUESTS_PER_SECOND)}`,
      measured: formatRate(ours.requestsPerSecond),
      met: ours.requestsPerSecond >= TARGET_REQUESTS_PER_SECOND,
    },
  ];
}
