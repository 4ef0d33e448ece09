import {
  formatCount,
  formatLatencies,
  formatMs,
  formatPacedLoad,
  formatRate,
  formatSeconds,
  formatWhen,
  LEAD_IN_NOTE,
  PACED_LOAD_HEADERS,
} from "../lib/format.ts";
import { busyMachineWarning, type MachineInfo, machineSummary } from "../lib/machine.ts";
import { type Align, renderMarkdownTable, renderTextTable, type Table } from "../lib/table.ts";
import { targetsLine, verdictsTable } from "../lib/verdicts.ts";
import type { BenchOptions } from "../options.ts";
import { BULK_SEED_BATCH } from "../servers/bulk-seed.ts";
import { ACTION_PHASES } from "./actions.ts";
import { type ScaleDataset, scaleDatabase } from "./dataset.ts";
import type { ScaleMeasurement } from "./measure.ts";
import { READ_CONNECTIONS, READ_STEADY_RATE } from "./reads.ts";
import { LARGEST_TABLE, TARGET_READ_P99_MS, verdicts } from "./targets.ts";

export interface ReportInput {
  measurement: ScaleMeasurement;
  dataset: ScaleDataset;
  /** Our server's spawn → `/readyz` 200 on the loaded database. */
  startMs: number;
  options: BenchOptions;
  machine: MachineInfo;
  finishedAt: Date;
}

const cpu = (ms: number | undefined) => (ms === undefined ? "n/a" : ms.toFixed(3));
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

function datasetTable({ dataset, startMs }: ReportInput): Table {
  const resources = dataset.installations * dataset.resourcesPerInstallation;
  return {
    headers: ["installations", "resources", "database size", "loaded", "load time", "server start"],
    rows: [
      [
        formatCount(dataset.installations + 1),
        formatCount(resources + 1),
        gib(dataset.bytes),
        dataset.reused ? `earlier (${dataset.loadedAt}), reused` : "by this run",
        `${formatSeconds(dataset.loadMs)} (copies ${formatSeconds(dataset.copyMs)}, ` +
          `VACUUM ANALYZE ${formatSeconds(dataset.vacuumMs)})`,
        `${formatMs(startMs)} ms to /readyz`,
      ],
    ],
    align: ["right", "right", "right", "left", "left", "right"],
  };
}

function readsTable({ measurement }: ReportInput): Table {
  return {
    headers: [
      "operation",
      "req/s",
      "p50 ms",
      "p90 ms",
      "p99 ms",
      "max ms",
      "requests",
      "errors",
      "server CPU ms/req",
      "PostgreSQL CPU ms/req",
      DISK_READS_HEADER,
    ],
    rows: measurement.reads.map(({ operation, run, databaseCpuMsPerRequest, diskMibPerSecond }) => [
      operation,
      formatRate(run.requestsPerSecond),
      ...formatLatencies(run.latency),
      formatCount(run.responses),
      formatCount(run.non2xx + run.errors),
      cpu(run.serverCpu?.msPerRequest),
      cpu(databaseCpuMsPerRequest),
      diskReads(diskMibPerSecond.run),
    ]),
    align: ["left", ...Array<Align>(10).fill("right")],
  };
}

const DISK_READS_HEADER = "read from disk MiB/s";

const diskReads = (mibPerSecond: number | undefined) =>
  mibPerSecond === undefined ? "n/a" : mibPerSecond.toFixed(1);

/** The same reads at a steady rate, each latency from when its request was due. */
function steadyReadsTable({ measurement }: ReportInput): Table {
  return {
    headers: ["operation", ...PACED_LOAD_HEADERS, "errors", DISK_READS_HEADER],
    rows: measurement.reads.map(({ operation, steady, diskMibPerSecond }) => [
      operation,
      ...formatPacedLoad(steady),
      formatCount(steady.non2xx + steady.errors),
      diskReads(diskMibPerSecond.steady),
    ]),
    align: ["left", ...Array<Align>(PACED_LOAD_HEADERS.length + 2).fill("right")],
  };
}

function actionsTable({ measurement }: ReportInput): Table {
  return {
    headers: [
      "actions sent",
      "count",
      "webhook answered p50 ms",
      "first Vercel call p50 ms",
      "p99 ms",
      "final status p50 ms",
      "p99 ms",
      "lost / doubled",
      "server CPU ms/action",
      "PostgreSQL CPU ms/action",
    ],
    rows: measurement.actions.map((action) => [
      action.name,
      formatCount(action.actions),
      formatMs(action.answered.p50),
      formatMs(action.firstCall.p50),
      formatMs(action.firstCall.p99),
      formatMs(action.final.p50),
      formatMs(action.final.p99),
      `${action.lost} / ${action.doubled}`,
      cpu(action.serverCpuMsPerAction),
      cpu(action.databaseCpuMsPerAction),
    ]),
    align: ["left", ...Array<Align>(9).fill("right")],
  };
}

/** The tables PostgreSQL read during the loads: the seq scan columns show a missing index. */
function scansTable({ measurement }: ReportInput): Table {
  const touched = measurement.scans.filter((scan) => scan.seqScans + scan.indexScans > 0);
  return {
    headers: ["table", "rows", "sequential scans", "rows they read", "index scans"],
    rows: touched.map((scan) => [
      scan.table,
      formatCount(scan.rows),
      formatCount(scan.seqScans),
      formatCount(scan.seqRowsRead),
      formatCount(scan.indexScans),
    ]),
    align: ["left", "right", "right", "right", "right"],
  };
}

function jobsTable({ measurement }: ReportInput): Table {
  return {
    headers: ["job kind", "enqueued", "succeeded", "still queued or running"],
    rows: measurement.jobs.map((jobs) => [
      jobs.kind,
      formatCount(jobs.enqueued),
      formatCount(jobs.succeeded),
      formatCount(jobs.pending),
    ]),
    align: ["left", "right", "right", "right"],
  };
}

function idleNote({ measurement }: ReportInput): string {
  const { server, database, queuedAfterMs } = measurement.idle;
  const cores = (value: number | undefined) => (value === undefined ? "n/a" : value.toFixed(2));
  return (
    `The billing schedule's first pass had queued its jobs ${(queuedAfterMs / 1000).toFixed(1)} s ` +
    `after the server was ready. With no request in flight, just before the loads, our server ` +
    `kept ${cores(server)} cores busy and PostgreSQL's backends ${cores(database)}: the CPU per ` +
    `request above includes that background work's share.`
  );
}

/** The table and verdicts printed at the end of the run. */
export function renderText(input: ReportInput): string {
  const { measurement, machine } = input;
  const warning = busyMachineWarning(machine);
  return [
    "",
    `Scale — PostgreSQL with ${formatCount(input.dataset.installations * input.dataset.resourcesPerInstallation)} resources`,
    "",
    renderTextTable(datasetTable(input)),
    "",
    renderTextTable(readsTable(input)),
    idleNote(input),
    "",
    `The same reads sent at a steady ${formatCount(READ_STEADY_RATE)}/s (open loop); ${LEAD_IN_NOTE}:`,
    renderTextTable(steadyReadsTable(input)),
    "",
    renderTextTable(actionsTable(input)),
    "",
    renderTextTable(jobsTable(input)),
    "",
    renderTextTable(scansTable(input)),
    "",
    renderTextTable(verdictsTable(verdicts(measurement))),
    "",
    targetsLine(verdicts(measurement)),
    `Machine: ${machineSummary(machine)}`,
    ...(warning ? [warning] : []),
    "",
  ].join("\n");
}

/** This benchmark's section of docs/benchmarks.md. */
export function renderMarkdown(input: ReportInput): string {
  const { measurement, dataset, options, machine } = input;
  const warning = busyMachineWarning(machine);
  const resources = dataset.installations * dataset.resourcesPerInstallation;
  return `## Scale: ${formatCount(resources)} resources of ${formatCount(dataset.installations)} installations on PostgreSQL

**What is measured.** Whether the Partner API and deployment actions stay fast when the
database holds a large provider's data: latency and cost of \`GET\` of a resource, of the list of
an installation's resources, and of a deployment action's start, each request for a random
installation and resource of the whole data set. Target: p99 < ${TARGET_READ_P99_MS} ms for the reads; and no
sequential scan of the resources table.

**How** (\`bench/scale/\`, run alone by \`npm run bench -- scale\`):

- *Data set*, in its own database \`${scaleDatabase(dataset.installations)}\` on the PostgreSQL server of
  \`--postgres\`, kept between runs: a run reuses it when it holds as many installations at the
  migrations of the compiled server it runs, and loads it again otherwise or with
  \`--scale-reload\`.
  Loading starts our real server on the empty database (it migrates it) and creates one
  installation with one Acme KV resource through the Partner API, with signed tokens. Every
  other row is a copy of the rows that install and provision wrote (\`installations\`,
  \`resources\`, \`billing_plan_changes\`, \`resource_owners\`, Acme KV's \`acme_kv_namespaces\`),
  with its own ids, its own account, its own access token and Acme KV token, and its own
  sealed columns: credentials and secrets are sealed with the server's key by the framework's
  \`SecretBox\`, bound to the copy's id as the framework binds them; multi-row \`INSERT\`s of
  ${formatCount(BULK_SEED_BATCH)} installations per transaction, then \`VACUUM (ANALYZE)\`. The template stays in the
  data set (hence the extra installation and resource below); the load never picks it. Ids are scattered like real
  ones, and an installation's resources lie apart in the table (written in ${dataset.resourcesPerInstallation} passes), as
  resources created over months would.
- *Ours*: \`partnerkit start\` in a child process on that database (\`DATABASE_URL\`), Acme KV,
  \`LOG_LEVEL=warn\`, \`NODE_ENV=production\`; tokens verified against a JWKS served over HTTP;
  Vercel's API emulated in the bench process (\`bench/action-turnaround/vercel-api.ts\`).
  PostgreSQL runs on the same machine with its default settings (\`shared_buffers\` 128 MB, far
  less than the data set: random rows come from the OS page cache or disk, not from
  PostgreSQL's buffers).
- *Reads*: autocannon at ${READ_CONNECTIONS} keep-alive connections, a warm-up of ${formatCount(options.warmupRequests)}
  requests, then ${options.durationSeconds} s. Every request carries its own RS256 USER token for a random installation
  (uniform over all of them) and names a random one of its resources: nothing is read twice
  on purpose, and PostgreSQL has no in-process cache in front of it (the framework caches hot
  records only on SQLite). ${READ_CONNECTIONS} connections rather than 50: the target is about the data set's
  size, and at 50 connections p99 < ${TARGET_READ_P99_MS} ms would need more than 5,000 req/s (Little's law),
  more than the read benchmark's best case, without a database, reaches on a small machine.
- *Steady reads*: then ${formatCount(READ_STEADY_RATE)} of the same reads a second (fresh tokens and picks) for ${options.durationSeconds} s over
  the same ${READ_CONNECTIONS} connections, each sent when it is due whatever the earlier answers' pace (an open
  loop, \`bench/lib/paced-load.ts\`, as in the webhook benchmark); each latency runs from when
  its request was due. autocannon's closed loop runs the machine flat out, so its latency is
  mostly the time a read queued for two cores shared by our server, PostgreSQL, the load
  generator and the billing pass; at half or less of the rate it sustains, the latency is
  closer to a read's own. Both are held to the target.
- *Action start*: signed \`deployment.integration.action.start\` webhooks (Acme KV's \`branch\`)
  for random resources, ${ACTION_PHASES.map((phase) => `${phase.actions} ${phase.name}`).join(" then ")}, after a warm-up; each timed from just before the
  webhook is sent to the action's first Vercel call (\`GET /v13/deployments/:id\`) and to its
  final status \`PATCH\`. Every final status must come once, \`succeeded\`, carrying the
  installation's own access token (so the copied credentials open).
- *CPU*: our server's process (\`/proc/<pid>/stat\`) and the PostgreSQL backends connected to
  the database (\`pg_stat_activity\`), per request. *Read from disk*: what the machine read
  from its block devices during each load (\`pgpgin\` in \`/proc/vmstat\`), i.e. pages found
  neither in PostgreSQL's buffers nor in the OS page cache; a read that waits on the disk is a
  slow one. *Scans*: \`pg_stat_user_tables\` before and
  after all loads (warm-ups included), once PostgreSQL has reported them: a sequential scan of
  \`${LARGEST_TABLE}\` is a missing index (a full read of \`installations\` is the billing schedule
  listing every installation, by design).
- *Background work*: the billing schedule's first run comes within seconds of a start and
  queues a report for every installation (and an invoice job for each that existed before the
  current period and is not invoiced for the previous one: none on freshly loaded data). At this
  size they come due evenly over 80 % of the hour (about 35 a second), so they run all through
  the measured loads, as reports do every hour. The loads start once the pass has queued them
  (a burst of seconds an hour, whose length the results give). The job
  queue is emptied before each run (with earlier runs' action runs, usage counters, invoiced
  periods and Acme KV branches), so every run measures a server's first minutes on the same
  data; the table of jobs shows how far it got.

**Machine:** ${machineSummary(machine)}.${warning ? `\n\n> ${warning}` : ""}

**Results** (${formatWhen(input.finishedAt)}):

${renderMarkdownTable(datasetTable(input))}

${renderMarkdownTable(readsTable(input))}

${idleNote(input)}

The same reads sent at a steady ${formatCount(READ_STEADY_RATE)}/s over the same connections (open loop); ${LEAD_IN_NOTE}:

${renderMarkdownTable(steadyReadsTable(input))}

${renderMarkdownTable(actionsTable(input))}

Our server's job queue at the end, all enqueued since it started:

${renderMarkdownTable(jobsTable(input))}

Tables PostgreSQL read during the loads:

${renderMarkdownTable(scansTable(input))}

${renderMarkdownTable(verdictsTable(verdicts(measurement)))}`;
}
