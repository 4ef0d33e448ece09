import { formatCount, formatMs, formatRate, formatSeconds, formatWhen } from "../lib/format.ts";
import { busyMachineWarning, type MachineInfo, machineSummary } from "../lib/machine.ts";
import { type Align, renderMarkdownTable, renderTextTable, type Table } from "../lib/table.ts";
import { targetsLine, verdictsTable } from "../lib/verdicts.ts";
import { ACTION, type Measurement, type PhaseResult, SETTLE_MS, WARMUP } from "./measure.ts";
import { TARGET_P50_MS, TARGET_P99_MS, verdicts } from "./targets.ts";

export interface ReportInput {
  measurement: Measurement;
  machine: MachineInfo;
  finishedAt: Date;
}

/** What each deployment of a turnaround benchmark started: an action or a check run. */
export type Unit = "action" | "check";

export function resultsTable({ phases }: Measurement, unit: Unit): Table {
  const row = (phase: PhaseResult) => [
    phase.name,
    formatCount(phase.actions),
    formatMs(phase.turnaround.p50),
    formatMs(phase.turnaround.p90),
    formatMs(phase.turnaround.p99),
    formatMs(phase.turnaround.max),
    phase.elapsedMs > 0 ? formatRate((phase.actions * 1000) / phase.elapsedMs) : "n/a",
    `${formatCount(phase.succeeded)} / ${formatCount(phase.failed)}`,
    formatCount(phase.lost),
    formatCount(phase.doubled),
    formatCount(phase.running),
    phase.serverCpuMsPerAction === undefined ? "n/a" : phase.serverCpuMsPerAction.toFixed(2),
  ];
  return {
    headers: [
      `${unit}s sent`,
      "count",
      "p50 ms",
      "p90 ms",
      "p99 ms",
      "max ms",
      `${unit}s/s`,
      "succeeded / failed",
      "lost",
      "doubled",
      "running reports",
      `CPU ms/${unit}`,
    ],
    rows: phases.map(row),
    align: ["left", ...Array<Align>(11).fill("right")],
  };
}

/** Milestones seen from outside the server, each measured from just before the webhook was sent. */
export function breakdownTable({ phases }: Measurement, unit: Unit): Table {
  const rows = phases.flatMap((phase) => [
    [
      phase.name,
      "webhook answered (stored, job enqueued)",
      formatMs(phase.answered.p50),
      formatMs(phase.answered.p99),
    ],
    [
      phase.name,
      "GET /v13/deployments/:id arrives",
      formatMs(phase.toLookup.p50),
      formatMs(phase.toLookup.p99),
    ],
    [
      phase.name,
      "…from there to the final PATCH",
      formatMs(phase.lookupToReport.p50),
      formatMs(phase.lookupToReport.p99),
    ],
  ]);
  return {
    headers: [`${unit}s sent`, "milestone", "p50 ms", "p99 ms"],
    rows,
    align: ["left", "left", "right", "right"],
  };
}

export function countNote(measurement: Measurement, unit: Unit): string {
  const { phases, warmup, strayReports, unexpectedRequests, jobs } = measurement;
  const all = [warmup, ...phases];
  const sent = all.reduce((total, phase) => total + phase.samples.length, 0);
  const exact = all.every((phase) => phase.lost === 0 && phase.doubled === 0);
  const wrongToken = all.reduce((total, phase) => total + phase.wrongToken, 0);
  const lastLog = measurement.lastServerLogLine?.slice(0, 300);
  return (
    `Final PATCHes counted ${formatSeconds(SETTLE_MS)} after the last ${unit}: ` +
    `${exact ? "exactly one" : "NOT exactly one"} per deployment over all ${formatCount(sent)} ` +
    `deployments (warm-up included), ${formatCount(wrongToken)} without the installation's ` +
    `token; ${formatCount(strayReports)} reports for deployments never sent, ` +
    `${formatCount(unexpectedRequests.length)} calls to endpoints not emulated; job queue ` +
    `afterwards: ${formatCount(jobs.pending)} pending, ${formatCount(jobs.dead)} dead. Server log ` +
    `lines at \`LOG_LEVEL=warn\`: ${formatCount(measurement.serverLogLines)}` +
    (lastLog ? ` (the last: ${lastLog})` : "") +
    "."
  );
}

export function renderText(input: ReportInput): string {
  return turnaroundText(
    input,
    `Action turnaround — deployment.integration.action.start webhook → final PATCH (Acme KV \`${ACTION}\`)`,
    "action",
  );
}

/** A turnaround benchmark's terminal output under `heading`: its tables, verdicts and counts. */
export function turnaroundText({ measurement, machine }: ReportInput, heading: string, unit: Unit) {
  const warning = busyMachineWarning(machine);
  return [
    "",
    heading,
    "",
    renderTextTable(resultsTable(measurement, unit)),
    "",
    "Where the time goes (from just before the webhook is sent):",
    renderTextTable(breakdownTable(measurement, unit)),
    "",
    renderTextTable(verdictsTable(verdicts(measurement))),
    "",
    targetsLine(verdicts(measurement)),
    countNote(measurement, unit),
    `Machine: ${machineSummary(machine)}`,
    ...(warning ? [warning] : []),
    "",
  ].join("\n");
}

export function renderMarkdown({ measurement, machine, finishedAt }: ReportInput): string {
  const warning = busyMachineWarning(machine);
  const phases = measurement.phases
    .map((phase) => `${formatCount(phase.actions)} ${phase.name} (${phase.concurrency} in flight)`)
    .join(", then ");
  return `## Deployment action turnaround: webhook → final status

**What is measured.** The time from a \`deployment.integration.action.start\` webhook leaving the
sender to the arrival of the action's final status (\`PATCH …/actions/:action\` with
\`succeeded\` or \`failed\`) at the Vercel API — what a user's build waits for, minus Vercel's own
delays. Targets: p50 < ${TARGET_P50_MS} ms and p99 < ${TARGET_P99_MS} ms, and exactly one final status per deployment.

**How** (\`bench/action-turnaround/\`, run by \`npm run bench\`):

- *Server*: \`partnerkit start\` in a child process — Acme KV over SQLite in a temporary
  directory, \`LOG_LEVEL=warn\`, \`NODE_ENV=production\` — with \`VERCEL_API_URL\` pointing at an
  emulated Vercel API inside the bench process (\`bench/action-turnaround/vercel-api.ts\`, plain
  \`node:http\`): \`GET /v13/deployments/:id\` answers 200 with a preview deployment's git context,
  the action \`PATCH\` answers 202. Each request is timestamped (\`performance.now()\`) as soon as
  its headers arrive, on the same clock the webhooks are timed with.
- The deployment the emulated API describes is a building preview deployment shaped like
  \`VercelDeployment\` in \`src/protocol/vercel-api.ts\`: \`target: null\` (Vercel's value for a
  preview; \`@vercel/sdk\` rejects \`"preview"\`) and the fields the SDK needs to parse it as a full
  deployment. Before the run the bench checks that it survives the SDK's validation with its
  \`url\` and \`gitSource\`; a rejected answer would send every action down the "deployment
  details unavailable" path, without its git context.
- *State*: an installation and an Acme KV resource, created through the Partner API with signed
  ADMIN tokens; the installation's access token is what the server must send back as Bearer
  (checked on every final PATCH).
- *The action*: Acme KV's \`${ACTION}\`, which copies the resource's data into a new namespace for
  the deployment and returns its credentials. The resource is empty, so this is a no-op-ish
  action: what is measured is the framework's path — receive, store, enqueue, job pickup, action
  run bookkeeping, the deployment lookup, the branch, the status report.
- *Load*: signed start webhooks (unique event ids) for distinct deployment ids, over keep-alive
  connections: ${WARMUP.actions} warm-up actions (not reported), then ${phases}. Each lane sends its next
  webhook only once its previous action's final PATCH has arrived: "sequential" keeps one action
  in flight, "4 at a time" four. The targets are judged on each.
- Each action is timed from just before its webhook is sent to the arrival of its first final
  PATCH. *CPU ms/action* is the server process's CPU time over the phase (all threads, from
  \`/proc/<pid>/stat\`) per action. A *running* report is only sent for an action that outlives
  \`runningAfterMs\` (1 s).
- To see where the server spends its time: \`npm run bench -- action-turnaround --profile <dir>\` writes a
  V8 CPU profile of it under \`<dir>/action-turnaround/\` (open it in Chrome DevTools).

**Machine:** ${machineSummary(machine)}.${warning ? `\n\n> ${warning}` : ""}

**Results** (${formatWhen(finishedAt)}):

${renderMarkdownTable(resultsTable(measurement, "action"))}

Where the time goes, each milestone measured from just before the webhook is sent:

${renderMarkdownTable(breakdownTable(measurement, "action"))}

${renderMarkdownTable(verdictsTable(verdicts(measurement)))}

${countNote(measurement, "action")}`;
}
