import { formatCount } from "./format.ts";
import type { LoadResult } from "./load.ts";

/** What went wrong in a run — non-2xx answers, connection errors, timeouts — one line each. */
export function loadFailures(name: string, run: LoadResult): string[] {
  const problems: string[] = [];
  if (run.non2xx > 0) {
    const codes = Object.entries(run.statusCodes)
      .filter(([code]) => !code.startsWith("2"))
      .map(([code, count]) => `${formatCount(count)}× ${code}`)
      .join(", ");
    problems.push(`${name}: ${formatCount(run.non2xx)} non-2xx responses (${codes})`);
  }
  if (run.errors > 0) {
    problems.push(`${name}: ${formatCount(run.errors)} request errors (${run.timeouts} timeouts)`);
  }
  return problems;
}
