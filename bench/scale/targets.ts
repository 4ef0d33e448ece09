import { formatCount, formatMs } from "../lib/format.ts";
import type { Verdict } from "../lib/verdicts.ts";
import type { ScaleMeasurement } from "./measure.ts";
import { READ_STEADY_RATE } from "./reads.ts";

/** From the issue: reads at this size answer within this many milliseconds at p99. */
export const TARGET_READ_P99_MS = 10;
/** The data set's largest table: a sequential scan of it on a request's path is a missing index. */
export const LARGEST_TABLE = "resources";

export function verdicts(measurement: ScaleMeasurement): Verdict[] {
  const resources = measurement.scans.find((scan) => scan.table === LARGEST_TABLE);
  const seqScans = resources?.seqScans ?? 0;
  return [
    ...measurement.reads.flatMap((read) => [
      p99Verdict(`p99, ${read.operation}, as fast as answered`, read.run.latency.p99),
      p99Verdict(
        `p99, ${read.operation}, at a steady ${formatCount(READ_STEADY_RATE)}/s`,
        read.steady.latency.p99,
      ),
    ]),
    {
      name: `Sequential scans of ${LARGEST_TABLE} during the loads`,
      goal: "none",
      measured:
        seqScans === 0
          ? "none"
          : `${formatCount(seqScans)}, ${formatCount(resources?.seqRowsRead ?? 0)} rows read`,
      met: seqScans === 0,
    },
  ];
}

function p99Verdict(name: string, p99: number): Verdict {
  return {
    name,
    goal: `< ${TARGET_READ_P99_MS} ms`,
    measured: `${formatMs(p99)} ms`,
    met: p99 < TARGET_READ_P99_MS,
  };
}
