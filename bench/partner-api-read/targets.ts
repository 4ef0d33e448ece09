import { formatMb, MB } from "../cold-start/rss.ts";
import { formatMs } from "../lib/format.ts";
import type { Verdict } from "../lib/verdicts.ts";
import type { Measurement } from "./measure.ts";

/** From the issue: keep at least this share of the ceiling's throughput… */
export const TARGET_RATIO = 0.8;
/** …with a p99 under this many milliseconds. */
export const TARGET_P99_MS = 20;
/** …and our server's resident memory under this load below this many MB (2^20 bytes). */
export const TARGET_RSS_MB = 150;

export function throughputRatio({ ours, ceiling }: Measurement): number {
  return ceiling.requestsPerSecond > 0 ? ours.requestsPerSecond / ceiling.requestsPerSecond : 0;
}

export function verdicts(measurement: Measurement): Verdict[] {
  const ratio = throughputRatio(measurement);
  const p99 = measurement.ours.latency.p99;
  return [
    {
      name: "Throughput, ours / ceiling, best case",
      goal: `≥ ${TARGET_RATIO}`,
      measured: ratio.toFixed(2),
      met: ratio >= TARGET_RATIO,
    },
    {
      name: "p99 latency, ours, best case",
      goal: `< ${TARGET_P99_MS} ms`,
      measured: `${formatMs(p99)} ms`,
      met: p99 < TARGET_P99_MS,
    },
    ...(measurement.memory
      ? [
          {
            name: "Peak RSS, ours (VmHWM, whole best-case run)",
            goal: `< ${TARGET_RSS_MB} MB`,
            measured: `${formatMb(measurement.memory.peak)} MB`,
            met: measurement.memory.peak < TARGET_RSS_MB * MB,
          },
        ]
      : []),
  ];
}
