import { formatMs, formatWhen } from "../lib/format.ts";
import { busyMachineWarning, type MachineInfo, machineSummary } from "../lib/machine.ts";
import { type Align, renderMarkdownTable, renderTextTable, type Table } from "../lib/table.ts";
import { targetsLine, verdictsTable } from "../lib/verdicts.ts";
import { TARGET_RSS_MB } from "../partner-api-read/targets.ts";
import type { ImportBreakdown } from "./imports.ts";
import { IDLE_SECONDS, type Measurement, type StartSeries } from "./measure.ts";
import { formatMb } from "./rss.ts";
import { BUILT_SERVER, INTEGRATION, PROBE_INTERVAL_MS, SERVER_ENTRY } from "./server.ts";
import type { Spread } from "./spread.ts";
import { TARGET_COLD_START_MS, TARGET_IDLE_RSS_MB, verdicts } from "./targets.ts";

export interface ReportInput {
  measurement: Measurement;
  machine: MachineInfo;
  finishedAt: Date;
}

const SERIES_NAMES = {
  fresh: "built server, fresh database",
  migrated: "built server, migrated database",
  cli: "partnerkit start (not bundled), migrated database",
} as const;

function timesTable({ fresh, migrated, cli }: Measurement): Table {
  const rows = [fresh, migrated, cli].flatMap((series) => [
    timeRow(series, "spawn → /healthz 200", series.healthz),
    timeRow(series, "spawn → /readyz 200", series.readyz),
    timeRow(series, "CPU time of the process at /readyz 200", series.cpuMsAtReady, formatTicks),
  ]);
  return {
    headers: ["server and database", "measured", "runs", "median ms", "min ms", "max ms"],
    rows,
    align: ["left", "left", "right", "right", "right", "right"],
  };
}

function timeRow(
  series: StartSeries,
  what: string,
  ms: Spread,
  format: (ms: number) => string = formatMs,
): string[] {
  return [
    SERIES_NAMES[series.name],
    what,
    String(ms.count),
    format(ms.median),
    format(ms.min),
    format(ms.max),
  ];
}

/** CPU time comes in 10 ms clock ticks: no decimals to suggest more. */
const formatTicks = (ms: number) => ms.toFixed(0);

function memoryTable({ fresh, migrated, cli }: Measurement): Table {
  const row = (what: string, rss: Spread | undefined) =>
    rss
      ? [what, String(rss.count), formatMb(rss.median), formatMb(rss.min), formatMb(rss.max)]
      : [what, "0", "n/a", "n/a", "n/a"];
  return {
    headers: ["RSS of the server process", "runs", "median MB", "min MB", "max MB"],
    rows: [
      row(`at the first /readyz 200, ${SERIES_NAMES.fresh}`, fresh.rssAtReady),
      row(`at the first /readyz 200, ${SERIES_NAMES.migrated}`, migrated.rssAtReady),
      row(`at the first /readyz 200, ${SERIES_NAMES.cli}`, cli.rssAtReady),
      row(`idle, ${IDLE_SECONDS} s after ready (${SERIES_NAMES.migrated})`, migrated.idleRss),
    ],
    align: ["left", ...Array<Align>(4).fill("right")],
  };
}

function importsTable({ rows, total }: ImportBreakdown): Table {
  return {
    headers: ["step of the start path, imported in this order", "median ms", "min ms", "max ms"],
    rows: [
      ...rows.map((row) => [
        row.label,
        formatMs(row.ms.median),
        formatMs(row.ms.min),
        formatMs(row.ms.max),
      ]),
      [
        "total on the start path, per run",
        formatMs(total.median),
        formatMs(total.min),
        formatMs(total.max),
      ],
    ],
    align: ["left", "right", "right", "right"],
  };
}

function importsNote({ imports, cli }: Measurement): string {
  const eager =
    imports.eagerCommands.length > 0
      ? `dist/cli/main.js imports every command's module before it reads the command line ` +
        `(${imports.eagerCommands.join(", ")}), so \`start\` loads them all.`
      : "dist/cli/main.js imports only the module of the command it runs.";
  const share = (imports.total.median / cli.readyz.median) * 100;
  return (
    `${eager} Importing the start path took ${formatMs(imports.total.median)} ms (median of ` +
    `${imports.runs} processes), ${share.toFixed(0)} % of the ${formatMs(cli.readyz.median)} ms ` +
    "from spawn to the first /readyz 200 of `partnerkit start` (not bundled) on the migrated " +
    "database; the rest is spawning the " +
    "process, opening SQLite, building the app and checking the migrations (both measured in " +
    "separate processes)."
  );
}

function runsLine({ fresh, migrated, cli }: Measurement): string {
  const list = (series: StartSeries) =>
    series.runs.map((run) => `${formatMs(run.healthzMs)}/${formatMs(run.readyzMs)}`).join(", ");
  return (
    `Every run in order, /healthz/readyz ms — built server, fresh: ${list(fresh)}; ` +
    `built server, migrated: ${list(migrated)}; partnerkit start, migrated: ${list(cli)}.`
  );
}

/** `busyMachineWarning`, in terms of start times rather than req/s. */
function busyWarning(machine: MachineInfo): string | undefined {
  if (!busyMachineWarning(machine)) return undefined;
  const { start, end } = machine.loadAverage;
  return (
    `Warning: the machine was busy (load average up to ${Math.max(start, end ?? 0).toFixed(2)} ` +
    `on ${machine.cpus} CPUs): start times are stretched and noisy; CPU time is steadier.`
  );
}

/** The tables and verdicts printed at the end of the run. */
export function renderText({ measurement, machine }: ReportInput): string {
  const warning = busyWarning(machine);
  return [
    "",
    `Cold start — the built server (npm start) and \`partnerkit start\`, spawn → first 200, ${measurement.fresh.runs.length} runs each`,
    "",
    renderTextTable(timesTable(measurement)),
    "",
    renderTextTable(memoryTable(measurement)),
    "",
    renderTextTable(importsTable(measurement.imports)),
    "",
    renderTextTable(verdictsTable(verdicts(measurement))),
    "",
    targetsLine(verdicts(measurement)),
    importsNote(measurement),
    runsLine(measurement),
    `Machine: ${machineSummary(machine)}`,
    ...(warning ? [warning] : []),
    "",
  ].join("\n");
}

/** This benchmark's section of docs/benchmarks.md. */
export function renderMarkdown(input: ReportInput): string {
  const { measurement, machine } = input;
  const when = formatWhen(input.finishedAt);
  const warning = busyWarning(machine);
  const runs = measurement.fresh.runs.length;
  return `## Cold start and idle memory: \`partnerkit start\`

**What is measured.** How long a new server process takes from \`spawn()\` to its first 200
from \`GET /healthz\` and from \`GET /readyz\`; and the memory (RSS) the process holds once
ready and when idle. Targets: cold start < ${TARGET_COLD_START_MS} ms, idle RSS < ${TARGET_IDLE_RSS_MB} MB (RSS under load,
< ${TARGET_RSS_MB} MB, is measured by the Partner API read benchmark).

Two ways to start the same server are measured. *The built server*: \`partnerkit build\` bundles
the integration, Partnerkit and its dependencies into a few files (what \`npm start\` runs; the
database drivers stay in node_modules); *\`partnerkit start\`* loads the compiled integration
and some 550 separate ES modules, which is most of its start. Both open their port before they
import the runtime: \`/healthz\` (liveness: the process is up and answers) is served from then
on, \`/readyz\` answers 503 until the runtime and the integration are loaded, migrations are done
and the database answers (a load balancer sends traffic from then on), and a Partner API request
that arrives in between is held and served then, not refused. \`/healthz\` is the issue's
definition of a cold start; \`/readyz\` is when the first request can be served, so both are
held to the target.

**How** (\`bench/cold-start/\`, run by \`npm run bench\`, alone by \`npm run bench -- cold-start\`):

- *Servers*: \`node ${BUILT_SERVER}\` (written by the example's \`npm run build\`), and
  \`node ${SERVER_ENTRY} start --integration ${INTEGRATION}\`; compiled JavaScript without npm in
  front (npm's own start adds about 0.2 s here), \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`,
  SQLite, on a free port.
- *Runs*: one unreported warm-up start migrates the database that the "migrated" runs reuse (and
  brings the files into the page cache); then, taken in turns, ${runs} starts of the built server
  on a fresh, empty database (a new temporary directory each), ${runs} on the migrated one, and
  ${runs} of \`partnerkit start\` on the migrated one. Each start is
  timed with \`performance.now()\` from just before \`spawn()\`: \`node:http\` probes, on a new
  connection each and ${PROBE_INTERVAL_MS} ms apart, ask \`/healthz\` until it answers 200, then \`/readyz\`.
  The server is stopped with SIGTERM after each run.
- *CPU time*: user + system time of the server process, all threads (\`/proc/<pid>/stat\`, 10 ms
  ticks), when \`/readyz\` first answers: what the start cost, less sensitive than the
  wall-clock times to what else the machine is doing.
- *Memory*: \`VmRSS\` (\`/proc/<pid>/status\`) of the server process when \`/readyz\` first
  answers, and for the built server on the migrated database again after ${IDLE_SECONDS} s idle (no requests; its job
  workers and schedules run). MB = 2^20 bytes.
- *Where the time goes* (\`partnerkit start\`, not bundled): in ${measurement.imports.runs} fresh \`node\` processes, \`await import()\` of each step of
  the start path in the order of the table below, each step timed on its own, so it is charged
  only for the modules the steps above it had not loaded yet. The first row is Node's own boot
  (\`performance.now()\` on the first line).
- To profile the starts: \`npm run bench -- cold-start --profile <dir>\` writes a V8 CPU profile
  of every measured server under \`<dir>/cold-start/fresh/\`, \`…/migrated/\` and \`…/cli/\`.
- The machine is small and shared: a start is almost all single-threaded CPU work (loading,
  compiling and running modules), so other work on the machine stretches it. Medians of ${runs}
  runs, with min and max.

**Machine:** ${machineSummary(machine)}.${warning ? `\n\n> ${warning}` : ""}

**Results** (${when}):

${renderMarkdownTable(timesTable(measurement))}

${renderMarkdownTable(memoryTable(measurement))}

${renderMarkdownTable(verdictsTable(verdicts(measurement)))}

Where the time to \`/readyz\` of \`partnerkit start\` goes:

${renderMarkdownTable(importsTable(measurement.imports))}

${importsNote(measurement)}

${runsLine(measurement)}`;
}
