import { formatCount, formatMs, formatRate } from "../lib/format.ts";
import type { Verdict } from "../lib/verdicts.ts";
import type { Measurement } from "./measure.ts";

/** From the issue: signed ~1 KB deliveries accepted per second on SQLite, at 50 connections. */
export const TARGET_REQUESTS_PER_SECOND = 3_000;
/** …and processed by the job queue meanwhile, sustained. */
export const TARGET_PROCESSED_PER_SECOND = 3_000;
/** …with each delivery answered within this, at the 99th percentile. */
export const TARGET_P99_MS = 10;

export function verdicts({ ours, background, paced, ceilingPaced }: Measurement): Verdict[] {
  return [
    {
      name: "Deliveries accepted per second",
      goal: `≥ ${formatCount(TARGET_REQUESTS_PER_SECOND)}`,
      measured: formatRate(ours.requestsPerSecond),
      met: ours.requestsPerSecond >= TARGET_REQUESTS_PER_SECOND,
    },
    {
      name: "Jobs processed per second during the load",
      goal: `≥ ${formatCount(TARGET_PROCESSED_PER_SECOND)}`,
      measured: formatRate(background.processedPerSecond),
      met: background.processedPerSecond >= TARGET_PROCESSED_PER_SECOND,
    },
    {
      // Keeping up: what is left when the load stops is less than a second of deliveries.
      name: "Backlog when the load stops",
      goal: "< 1 s of deliveries",
      measured: formatCount(background.atEnd.pending),
      met: background.atEnd.pending < ours.requestsPerSecond,
    },
    {
      name: "p99 latency, at saturation (each connection waits for its answer)",
      goal: `< ${TARGET_P99_MS} ms`,
      measured: `${formatMs(ours.latency.p99)} ms`,
      met: ours.latency.p99 < TARGET_P99_MS,
    },
    {
      name: `p99 latency, deliveries sent at a steady ${formatCount(TARGET_REQUESTS_PER_SECOND)}/s`,
      goal: `< ${TARGET_P99_MS} ms`,
      measured: `${formatMs(paced.run.latency.p99)} ms (ceiling ${formatMs(ceilingPaced.latency.p99)} ms)`,
      met: paced.run.latency.p99 < TARGET_P99_MS,
    },
    {
      name: `Backlog when the steady ${formatCount(TARGET_REQUESTS_PER_SECOND)}/s stops`,
      goal: "< 1 s of deliveries",
      measured: formatCount(paced.background.atEnd.pending),
      met: paced.background.atEnd.pending < TARGET_PROCESSED_PER_SECOND,
    },
  ];
}
