import type { LatencySummary } from "./latency.ts";
import type { PacedLoadResult } from "./paced-load.ts";

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export function formatRate(value: number): string {
  return value.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

export function formatMs(value: number): string {
  return value.toFixed(2);
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `2026-11-23 10:09:22 UTC`: when a run finished, for the doc. */
export function formatWhen(date: Date): string {
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

/** The p50, p90, p99 and max of a latency summary, as table cells in ms. */
export function formatLatencies({ p50, p90, p99, max }: LatencySummary): string[] {
  return [formatMs(p50), formatMs(p90), formatMs(p99), formatMs(max)];
}

/** The columns of `formatPacedLoad`. */
export const PACED_LOAD_HEADERS = [
  "sent/s",
  "answered/s",
  "p50 ms",
  "p90 ms",
  "p99 ms",
  "max ms",
  "lead-in p99 ms",
];

/** What the last column of `PACED_LOAD_HEADERS` is, for a table's caption. */
export const LEAD_IN_NOTE =
  "the latencies are of the seconds after a lead-in second (a fresh sender, its connections opening), whose p99 is shown apart";

/** An open-loop run's rates and latencies, as table cells. */
export function formatPacedLoad(run: PacedLoadResult): string[] {
  return [
    formatRate(run.sent / Math.max(run.elapsedSeconds, 0.001)),
    formatRate(run.answeredPerSecond),
    ...formatLatencies(run.latency),
    formatMs(run.leadInLatency.p99),
  ];
}
