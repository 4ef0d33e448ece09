import { randomBytes } from "node:crypto";
import type { Check, ConformanceState, ConformanceTarget } from "./check.ts";
import { CHECKS } from "./checks.ts";
import type { CheckOutcome, CheckResult, CheckStatus, ConformanceReport } from "./report.ts";

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
  const count = (status: CheckStatus) =>
    results.filter((result) => result.status === status).length;
  return {
    schemaVersion: 1,
    passed: count("pass"),
    warned: count("warn"),
    failed: count("fail"),
    skipped: count("skip"),
    results,
  };
}

/** The report as a table for a terminal. */
export function formatReport(report: ConformanceReport): string {
  const lines = report.results.map(
    (result) =>
      `${result.status.toUpperCase()}  ${result.section.padEnd(6)} ${result.title}${result.detail ? ` — ${result.detail}` : ""}`,
  );
  lines.push(
    "",
    `conformance: ${report.passed} passed, ${report.warned} warned, ${report.failed} failed, ${report.skipped} skipped`,
  );
  return `${lines.join("\n")}\n`;
}
