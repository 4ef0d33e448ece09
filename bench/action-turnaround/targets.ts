import { formatMs } from "../lib/format.ts";
import type { Verdict } from "../lib/verdicts.ts";
import type { Measurement } from "./measure.ts";

/** From the issue: webhook sent to final status received, for a no-op-ish action. */
export const TARGET_P50_MS = 15;
export const TARGET_P99_MS = 60;

export function verdicts({ phases }: Measurement): Verdict[] {
  return phases.flatMap((phase) => [
    {
      name: `p50, ${phase.name}`,
      goal: `< ${TARGET_P50_MS} ms`,
      measured: `${formatMs(phase.turnaround.p50)} ms`,
      met: phase.turnaround.p50 < TARGET_P50_MS,
    },
    {
      name: `p99, ${phase.name}`,
      goal: `< ${TARGET_P99_MS} ms`,
      measured: `${formatMs(phase.turnaround.p99)} ms`,
      met: phase.turnaround.p99 < TARGET_P99_MS,
    },
  ]);
}
