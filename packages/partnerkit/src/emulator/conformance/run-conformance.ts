import { randomBytes } from "node:crypto";
import type { Check, CheckOutcome, ConformanceState, ConformanceTarget } from "./check.ts";
import { CHECKS } from "./checks.ts";

export interface CheckResult extends CheckOutcome {
  id: string;
  section: string;
  title: string;
  ms: number;
}

export interface ConformanceReport {
  passed: number;
  failed: number;
  skipped: number;
  results: CheckResult[];
}

/** Runs the checks in order (the first ones create what later ones use); a thrown error fails its check. */
export async function runConformance(
  target: ConformanceTarget,
  checks: Check[] = CHECKS,
): Promise<ConformanceReport> {
  const state: ConformanceState = {
    installationId: `icfg_conformance_${randomBytes(6).toString("hex")}`,
    accountId: "team_conformance",
  };
  const results: CheckResult[] = [];
  for (const check of checks) {
    const started = performance.now();
    let outcome: CheckOutcome;
    try {
      outcome = await check.run(target, state);
    } catch (error) {
      outcome = { status: "fail", detail: `threw: ${String(error)}` };
    }
    results.push({
      id: check.id,
      section: check.section,
      title: check.title,
      ...outcome,
      ms: Math.round(performance.now() - started),
    });
  }
  const count = (status: CheckOutcome["status"]) =>
    results.filter((result) => result.status === status).length;
  return { passed: count("pass"), failed: count("fail"), skipped: count("skip"), results };
}

/** The report as a table for a terminal. */
export function formatReport(report: ConformanceReport): string {
  const mark = { pass: "PASS", fail: "FAIL", skip: "SKIP" } as const;
  const lines = report.results.map(
    (result) =>
      `${mark[result.status]}  ${result.section.padEnd(6)} ${result.title}${result.detail ? ` — ${result.detail}` : ""}`,
  );
  lines.push(
    "",
    `conformance: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`,
  );
  return `${lines.join("\n")}\n`;
}
