import { WARMUP } from "../action-turnaround/measure.ts";
import {
  breakdownTable,
  countNote,
  type ReportInput,
  resultsTable,
  turnaroundText,
} from "../action-turnaround/report.ts";
import { TARGET_P50_MS, TARGET_P99_MS, verdicts } from "../action-turnaround/targets.ts";
import { formatCount, formatWhen } from "../lib/format.ts";
import { busyMachineWarning, machineSummary } from "../lib/machine.ts";
import { renderMarkdownTable } from "../lib/table.ts";
import { verdictsTable } from "../lib/verdicts.ts";
import { NOOP_CHECK } from "./workload.ts";

export function renderText(input: ReportInput): string {
  return turnaroundText(
    input,
    `Check turnaround — deployment.checkrun.start webhook → conclusion PATCH (no-op check \`${NOOP_CHECK}\`)`,
    "check",
  );
}

export function renderMarkdown({ measurement, machine, finishedAt }: ReportInput): string {
  const warning = busyMachineWarning(machine);
  const phases = measurement.phases
    .map((phase) => `${formatCount(phase.actions)} ${phase.name} (${phase.concurrency} in flight)`)
    .join(", then ");
  return `## Deployment check turnaround: webhook → conclusion

**What is measured.** The time from a \`deployment.checkrun.start\` webhook leaving the sender to
the arrival of the run's conclusion (\`PATCH /v2/deployments/:id/check-runs/:runId\` with
\`status: completed\`) at the Vercel API — what a deployment held by a blocking check waits for,
minus Vercel's own delays. Same targets as the action turnaround: p50 < ${TARGET_P50_MS} ms and
p99 < ${TARGET_P99_MS} ms, and exactly one conclusion per run.

**How** (\`bench/check-turnaround/\`, run by \`npm run bench\`; the load, the timing and the
emulated Vercel API are the action turnaround's):

- *Server*: \`partnerkit start\` in a child process, as for the action turnaround, serving
  \`bench/check-turnaround/noop-check-acme-kv.ts\`: Acme KV with one more check, \`${NOOP_CHECK}\`,
  whose \`run\` concludes \`succeeded\` at once. What is measured is the framework's path —
  receive, store, enqueue, job pickup, the check run row, \`running\` reported, the deployment
  lookup, the conclusion stored, then reported.
- *The emulated Vercel API* answers the check run \`PATCH\` with 200 and the run, and the
  deployment lookup as for actions; each request is timestamped as soon as its headers arrive.
- *Load*: signed \`deployment.checkrun.start\` webhooks (unique event ids; the payload shape the
  emulator sends) for distinct deployments and runs: ${WARMUP.actions} warm-up runs (not
  reported), then ${phases}. A lane sends its next webhook once its previous run's conclusion has
  arrived.
- Each run is timed from just before its webhook is sent to the arrival of its first
  \`completed\` PATCH; *running reports* counts the \`running\` PATCH every run sends first.

**Machine:** ${machineSummary(machine)}.${warning ? `\n\n> ${warning}` : ""}

**Results** (${formatWhen(finishedAt)}):

${renderMarkdownTable(resultsTable(measurement, "check"))}

Where the time goes, each milestone measured from just before the webhook is sent:

${renderMarkdownTable(breakdownTable(measurement, "check"))}

${renderMarkdownTable(verdictsTable(verdicts(measurement)))}

${countNote(measurement, "check")}`;
}
