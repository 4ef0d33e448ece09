import { formatMs } from "../lib/format.ts";
import type { Verdict } from "../lib/verdicts.ts";
import type { Measurement } from "./measure.ts";
import { formatMb, MB } from "./rss.ts";

/** From the issue: a server process answers within this many ms of being spawned… */
export const TARGET_COLD_START_MS = 300;
/** …and idles in less than this resident memory. */
export const TARGET_IDLE_RSS_MB = 100;

export function verdicts({ fresh, migrated, cli }: Measurement): Verdict[] {
  const time = (name: string, medianMs: number): Verdict => ({
    name,
    goal: `< ${TARGET_COLD_START_MS} ms`,
    measured: `${formatMs(medianMs)} ms`,
    met: medianMs < TARGET_COLD_START_MS,
  });
  const idle = migrated.idleRss?.median ?? 0;
  return [
    time("Built server → /healthz 200, migrated database (median)", migrated.healthz.median),
    time("Built server → /readyz 200, migrated database (median)", migrated.readyz.median),
    time("Built server → /readyz 200, fresh database (median)", fresh.readyz.median),
    time("partnerkit start → /healthz 200, migrated database (median)", cli.healthz.median),
    time("partnerkit start → /readyz 200, migrated database (median)", cli.readyz.median),
    {
      name: "Idle RSS (median)",
      goal: `< ${TARGET_IDLE_RSS_MB} MB`,
      measured: `${formatMb(idle)} MB`,
      met: idle > 0 && idle < TARGET_IDLE_RSS_MB * MB,
    },
  ];
}
