import { renderMarkdownTable, renderTextTable, type Table } from "../lib/table.ts";
import { branchesFollowDeployments, deploymentsReady, oneFinalStatus } from "./action-checks.ts";
import type { Disruption } from "./chaos-monkey.ts";
import type { CheckResult } from "./check.ts";
import { hooksRunOnce, uninstallCascaded, webhooksProcessed } from "./hook-checks.ts";
import {
  credentialsWork,
  noServerErrors,
  nothingStuck,
  requestsServed,
  signalsLanded,
} from "./process-checks.ts";
import { Lifetimes, type RunEvidence } from "./run-evidence.ts";

export interface ChaosReport {
  /** What the run did, as label and value. */
  figures: [string, string][];
  /** Each kill and roll, with the work it interrupted. */
  disruptions: Disruption[];
  checks: CheckResult[];
  passed: boolean;
}

/** Runs every check on a run's evidence and sums the run up. */
export function reportRun(evidence: RunEvidence, elapsedMs: number): ChaosReport {
  const lifetimes = new Lifetimes(evidence.generations);
  const reports = oneFinalStatus(evidence, lifetimes);
  const hooks = hooksRunOnce(evidence, lifetimes);
  const checks = [
    reports.check,
    deploymentsReady(evidence),
    webhooksProcessed(evidence),
    hooks.check,
    noServerErrors(evidence, lifetimes),
    nothingStuck(evidence),
    signalsLanded(evidence),
    uninstallCascaded(evidence),
    branchesFollowDeployments(evidence),
    credentialsWork(evidence),
    requestsServed(evidence),
  ];
  const { workload, partnerExchanges, disruptions, stored } = evidence;
  const count = <T>(items: T[], keep: (item: T) => boolean) => items.filter(keep).length;
  const deliveries = partnerExchanges.filter((exchange) => exchange.kind !== "partner-api");
  const apiCalls = partnerExchanges.filter((exchange) => exchange.kind === "partner-api");
  const redeliveries = deliveries.filter((exchange) => exchange.kind === "redelivery");
  const firstServer = new Map<string, number | undefined>();
  for (const delivery of deliveries.filter((d) => d.kind === "webhook" && d.status < 300))
    if (delivery.eventId && !firstServer.has(delivery.eventId))
      firstServer.set(delivery.eventId, delivery.servedBy);
  const kills = disruptions.filter((disruption) => disruption.kind === "kill -9");
  const rolls = disruptions.filter((disruption) => disruption.kind === "SIGTERM");
  const figures: [string, string][] = [
    [
      "instances",
      `${evidence.shutdowns.length} on one PostgreSQL schema, behind a round-robin proxy`,
    ],
    [
      "deployments",
      `${workload.deployments.length}: ${count(workload.deployments, (d) => d.state === "ready")} ready ` +
        `(${count(workload.deployments, (d) => d.removed)} deleted afterwards), ` +
        `${count(workload.deployments, (d) => d.state === "canceled")} canceled`,
    ],
    [
      "deployment actions",
      `${reports.figures.actions}; ${reports.figures.finalReports} final reports, ` +
        `${reports.figures.resentAfterKill} identical re-sends after kill -9, ` +
        `${reports.figures.refusedAfterCancel} refused after a cancel`,
    ],
    [
      "webhooks",
      `${new Set(deliveries.map((d) => d.eventId)).size} events in ${deliveries.length} deliveries; ` +
        `${redeliveries.length} redeliveries, ` +
        `${count(redeliveries, (r) => r.eventId !== undefined && r.servedBy !== firstServer.get(r.eventId))} ` +
        "to another instance",
    ],
    [
      "Partner API calls",
      `${count(apiCalls, (c) => c.attempt === 0)}, ${count(apiCalls, (c) => (c.attempt ?? 0) > 0)} retries by Vercel`,
    ],
    ["secrets rotations", `${workload.rotations}`],
    ["transfers", `${workload.transfers}`],
    [
      "uninstall with cascade",
      workload.uninstalled ? `1 (${workload.uninstalled.resourceIds.length} resources)` : "none",
    ],
    [
      "kill -9",
      `${count(kills, (k) => k.during === "deployment actions")} during deployment actions ` +
        `(calls to Vercel in flight: ${
          kills
            .filter((k) => k.during === "deployment actions")
            .map((k) => k.inFlight)
            .join(", ") || "-"
        }), ` +
        `${count(kills, (k) => k.during === "a secrets rotation")} inside a rotation hook; ` +
        `restarts took ${kills.map((k) => (k.restartMs / 1000).toFixed(1)).join(", ") || "-"} s`,
    ],
    [
      "rolled (SIGTERM, restart)",
      rolls
        .map(
          (roll) =>
            `${roll.inFlight} calls in flight; exit ${roll.exit?.code ?? roll.exit?.signal} ` +
            `after ${((roll.stopMs ?? 0) / 1000).toFixed(1)} s`,
        )
        .join("; ") || "none",
    ],
    [
      "provider hook runs",
      `${hooks.figures.runs}; ${hooks.figures.interruptedByKill} interrupted by kill -9; repeats: ` +
        (Object.entries(hooks.figures.repeats)
          .map(([reason, repeats]) => `${repeats} ${reason}`)
          .join(", ") || "none"),
    ],
    [
      "jobs",
      Object.entries(stored.jobs)
        .map(([status, jobs]) => `${jobs} ${status}`)
        .join(", "),
    ],
    ["wall time", `${(elapsedMs / 1000).toFixed(1)} s`],
  ];
  return { figures, disruptions, checks, passed: checks.every((check) => check.passed) };
}

const figureTable = (report: ChaosReport): Table => ({
  headers: ["run", "figures"],
  rows: report.figures.map(([label, value]) => [label, value]),
});

const checkTable = (report: ChaosReport): Table => ({
  headers: ["check", "result", "detail"],
  rows: report.checks.map((check) => [check.name, check.passed ? "pass" : "FAIL", check.detail]),
});

/** The summary for the terminal, with every problem of the checks that failed. */
export function renderReport(report: ChaosReport): string {
  const problems = report.checks
    .filter((check) => !check.passed)
    .map((check) => [`${check.name}:`, ...check.problems.map((p) => `  - ${p}`)].join("\n"));
  return [
    renderTextTable(figureTable(report)),
    renderTextTable(checkTable(report)),
    ...problems,
  ].join("\n\n");
}

/** The same summary as markdown, for docs/reliability.md. */
export function renderReportMarkdown(report: ChaosReport): string {
  return `${renderMarkdownTable(figureTable(report))}\n\n${renderMarkdownTable(checkTable(report))}`;
}
