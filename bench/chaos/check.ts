/** The verdict of one check, with what it tolerated and what broke it. */
export interface CheckResult {
  name: string;
  passed: boolean;
  /** What was checked, and what was tolerated and why. */
  detail: string;
  /** Each violation, readable on its own. */
  problems: string[];
}

/** At most this many problems are listed per check: the first ones tell the story. */
const SHOWN_PROBLEMS = 20;

export function verdict(name: string, detail: string, problems: string[]): CheckResult {
  const shown = problems.slice(0, SHOWN_PROBLEMS);
  if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more`);
  return { name, passed: problems.length === 0, detail, problems: shown };
}
