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
import type { LoadResult } from "../lib/load.ts";
import { busyMachineWarning, type MachineInfo, machineSummary } from "../lib/machine.ts";
import type { PacedLoadResult } from "../lib/paced-load.ts";
import { type Align, renderMarkdownTable, renderTextTable, type Table } from "../lib/table.ts";
import { targetsLine, verdictsTable } from "../lib/verdicts.ts";
import type { BenchOptions } from "../options.ts";
import { DELIVERY_BYTES } from "./deliveries.ts";
import type { Background } from "./load.ts";
import type { Measurement } from "./measure.ts";
import { POSTGRES_DATABASE, type PostgresOutcome, type PostgresRun } from "./postgres.ts";
import { TARGET_P99_MS, TARGET_REQUESTS_PER_SECOND, verdicts } from "./targets.ts";

export interface ReportInput {
  measurement: Measurement;
  postgres: PostgresOutcome;
  options: BenchOptions;
  machine: MachineInfo;
  finishedAt: Date;
}

function resultsTable({ ours, ceiling }: Measurement): Table {
  const row = (name: string, run: LoadResult) => [
    name,
    formatRate(run.requestsPerSecond),
    ...formatLatencies(run.latency),
    formatCount(run.responses),
    run.elapsedSeconds.toFixed(1),
    formatCount(run.non2xx),
    formatCount(run.errors),
    run.serverCpu ? run.serverCpu.msPerRequest.toFixed(3) : "n/a",
    run.serverCpu ? run.serverCpu.cores.toFixed(2) : "n/a",
  ];
  const headers = ["server", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "requests", "secs"];
  return {
    headers: [...headers, "non-2xx", "errors", "CPU ms/req", "cores"],
    rows: [
      row("partnerkit (Acme KV, SQLite)", ours),
      row("ceiling (node:http + HMAC + JSON.parse)", ceiling),
    ],
    align: ["left", ...Array<Align>(11).fill("right")],
  };
}

/**
 * The deliveries sent at the targets' sustained rate, steadily, to ours (with its queue meanwhile)
 * and to the ceiling.
 */
function pacedTable({ paced, ceilingPaced }: Measurement): Table {
  const row = (name: string, run: PacedLoadResult, queue: string[]) => [
    name,
    ...formatPacedLoad(run),
    formatCount(run.non2xx),
    formatCount(run.errors),
    ...queue,
  ];
  const { background } = paced;
  const queueHeaders = ["processed/s during run", ...QUEUE_HEADERS];
  return {
    headers: ["server", ...PACED_LOAD_HEADERS, "non-2xx", "errors", ...queueHeaders],
    rows: [
      row("partnerkit (Acme KV, SQLite)", paced.run, [
        formatRate(background.processedPerSecond),
        ...queueCells(background),
      ]),
      row(
        "ceiling",
        ceilingPaced,
        queueHeaders.map(() => "—"),
      ),
    ],
    align: [
      "left",
      ...Array<Align>(PACED_LOAD_HEADERS.length + 2 + queueHeaders.length).fill("right"),
    ],
  };
}

/** Our job queue: did background processing keep up with ingestion? */
function backgroundTable({ background }: Measurement): Table {
  return {
    headers: ["jobs done during run", "processed/s during run", ...QUEUE_HEADERS, "dead"],
    rows: [
      [
        formatCount(background.completedDuringRun),
        formatRate(background.processedPerSecond),
        ...queueCells(background),
        formatCount(background.drain.counts.dead),
      ],
    ],
    align: Array<Align>(8).fill("right"),
  };
}

/** The columns of `queueCells`. */
const QUEUE_HEADERS = [
  "pending at end",
  "catch-up after run",
  "lag p50 ms",
  "lag p99 ms",
  "lag max ms",
];

function queueCells({ atEnd, drain, lag }: Background): string[] {
  return [
    formatCount(atEnd.pending),
    drain.drained ? formatSeconds(drain.ms) : `> ${formatSeconds(drain.ms)}`,
    formatMs(lag.p50),
    formatMs(lag.p99),
    formatMs(lag.max),
  ];
}

/** CPU ms per delivery of our servers, all-in: the run and the catch-up after it. */
function allInCpuMs(ours: LoadResult, background: Background): number | undefined {
  if (!ours.serverCpu || background.drain.serverCpuMs === undefined) return undefined;
  const total = ours.serverCpu.msPerRequest * ours.responses + background.drain.serverCpuMs;
  return total / Math.max(1, ours.responses);
}

/** The same deliveries to 1 and 3 instances on one PostgreSQL database. */
function postgresTable(runs: PostgresRun[]): Table {
  return {
    headers: [
      "instances",
      "req/s",
      "p50 ms",
      "p99 ms",
      "processed/s during run",
      ...QUEUE_HEADERS,
      "CPU ms/delivery, partnerkit",
      "CPU ms/delivery, PostgreSQL",
    ],
    rows: runs.map(({ instances, ours, background, postgresCpuMsPerDelivery }) => {
      const cpu = allInCpuMs(ours, background);
      return [
        String(instances),
        formatRate(ours.requestsPerSecond),
        formatMs(ours.latency.p50),
        formatMs(ours.latency.p99),
        formatRate(background.processedPerSecond),
        ...queueCells(background),
        cpu === undefined ? "n/a" : cpu.toFixed(3),
        postgresCpuMsPerDelivery === undefined ? "n/a" : postgresCpuMsPerDelivery.toFixed(3),
      ];
    }),
    align: Array<Align>(12).fill("right"),
  };
}

function postgresSection(outcome: PostgresOutcome, render: (table: Table) => string): string[] {
  if ("skipped" in outcome) return [`PostgreSQL runs skipped: ${outcome.skipped}.`];
  return [
    "The same on PostgreSQL, each instance a `partnerkit start` on one database, the connections " +
      "split evenly between them:",
    "",
    render(postgresTable(outcome.runs)),
  ];
}

function ratioNote({ ours, ceiling }: Measurement): string {
  const ratio =
    ceiling.requestsPerSecond > 0 ? ours.requestsPerSecond / ceiling.requestsPerSecond : 0;
  const cpu =
    ours.serverCpu && ceiling.serverCpu
      ? `; CPU per delivery ${(ours.serverCpu.msPerRequest / ceiling.serverCpu.msPerRequest).toFixed(1)}× the ceiling's`
      : "";
  return (
    `Ours / ceiling: ${ratio.toFixed(2)} of its req/s${cpu}. The ceiling does only what every ` +
    "receiver must (read, verify the signature, parse) and stores nothing: the gap is our routing, " +
    "validation, storage, job queue and background processing."
  );
}

/** CPU for a delivery all-in: its request, and its job whether done during the run or after. */
function allInCpuNote({ ours, background }: Measurement): string | undefined {
  const perDelivery = allInCpuMs(ours, background);
  const afterwards = background.drain.serverCpuMs;
  if (perDelivery === undefined || afterwards === undefined) return undefined;
  return (
    `Our server's CPU for the measured deliveries, ingestion and background processing together ` +
    `(the run plus the catch-up after it): ${perDelivery.toFixed(3)} ms per delivery; ` +
    `${formatSeconds(afterwards)} of the ${formatSeconds(perDelivery * ours.responses)} came ` +
    "after the run ended."
  );
}

function littleNote({ connections }: BenchOptions): string {
  const mean = connections / (TARGET_REQUESTS_PER_SECOND / 1000);
  const forP99 = connections / TARGET_P99_MS;
  return (
    `With ${connections} connections each waiting for its answer, the mean latency is the ` +
    `connections over req/s (Little's law): ${formatCount(TARGET_REQUESTS_PER_SECOND)} req/s means at most ` +
    `${mean.toFixed(1)} ms, and a p99 under ${TARGET_P99_MS} ms needs well over ` +
    `${formatCount(forP99 * 1000)} req/s.`
  );
}

function notes(measurement: Measurement, options: BenchOptions): string[] {
  const cpu = allInCpuNote(measurement);
  return [
    ratioNote(measurement),
    ...(cpu ? [cpu] : []),
    littleNote(options),
    `Deliveries stored by our server: ${formatCount(measurement.storedEvents)} for ` +
      `${formatCount(measurement.acceptedDeliveries)} 2xx answers (a few more can be stored than ` +
      "answered: requests in flight when a run stops). Server log lines at `LOG_LEVEL=warn`: " +
      `${formatCount(measurement.serverLogLines)}.`,
  ];
}

export function renderText({ measurement, postgres, options, machine }: ReportInput): string {
  const warning = busyMachineWarning(machine);
  return [
    "",
    `Webhook ingest — POST /webhooks, signed ${formatCount(DELIVERY_BYTES)}-byte deliveries, ` +
      `${options.connections} connections, ${options.durationSeconds} s per server`,
    "",
    renderTextTable(resultsTable(measurement)),
    "",
    "Our background processing (the job queue):",
    renderTextTable(backgroundTable(measurement)),
    "",
    `Deliveries sent at a steady ${formatCount(TARGET_REQUESTS_PER_SECOND)}/s (open loop), to ours and to the ceiling; ${LEAD_IN_NOTE}:`,
    renderTextTable(pacedTable(measurement)),
    "",
    ...postgresSection(postgres, renderTextTable),
    "",
    renderTextTable(verdictsTable(verdicts(measurement))),
    "",
    targetsLine(verdicts(measurement)),
    ...notes(measurement, options),
    `Machine: ${machineSummary(machine)}`,
    ...(warning ? [warning] : []),
    "",
  ].join("\n");
}

export function renderMarkdown({
  measurement,
  postgres,
  options,
  machine,
  finishedAt,
}: ReportInput): string {
  const warning = busyMachineWarning(machine);
  const { warmupDrain } = measurement.background;
  return `## Webhook ingest: \`POST /webhooks\`

**What is measured.** How many signed webhook deliveries per second our real server accepts —
verifies, stores with its job, answers — and how fast, at ${options.connections} connections; next to a
*ceiling* that does only what any receiver must; and whether its job queue keeps up meanwhile.
Targets on SQLite: ≥ ${formatCount(TARGET_REQUESTS_PER_SECOND)} deliveries accepted per second, as many jobs processed per second
during the load with less than a second's worth left when it stops, p99 < ${TARGET_P99_MS} ms. The same
load runs on PostgreSQL with 1 and 3 instances.

**How** (\`bench/webhook-ingest/\`, run by \`npm run bench\`):

- *Ours*: \`partnerkit start\` (\`src/cli/main.ts\`) in a child process — the Acme KV integration
  over SQLite in a temporary directory, \`LOG_LEVEL=warn\`, \`NODE_ENV=production\`, with an
  \`INTEGRATION_CLIENT_SECRET\` the bench knows. An installation is created first through the
  Partner API (signed ADMIN tokens), so the deliveries are about a real installation.
- *Ceiling*: \`bench/servers/webhook-ceiling-server.ts\`, its own child process — bare \`node:http\`
  that reads the body, checks it with our \`verifyWebhookSignature\`, parses the JSON and answers
  the bytes our server answers. No routing, validation, storage, jobs or logging.
- *Deliveries*: \`marketplace.member.changed\` events, each padded with an extra payload field to
  exactly ${formatCount(DELIVERY_BYTES)} bytes, each with its own event id (a repeated id would be
  acknowledged without being stored) and a correct \`x-vercel-signature\` (HMAC-SHA1 of the raw
  body with the client secret, by \`signWebhookPayload\`). All are built and signed before the
  load (${formatCount(measurement.deliveriesBuilt)} in ${formatSeconds(measurement.buildMs)}); each server sees each delivery at most once.
- *Load*: autocannon in the parent process, keep-alive connections, no pipelining, one server
  at a time; the servers and the load generator share the machine's cores.
  Warm-up: ${formatCount(options.warmupRequests)} deliveries per server, then our job queue is let catch up
  (${formatSeconds(warmupDrain.ms)}). Measured: up to ${options.durationSeconds} s per server.
- **Background work competes for the CPU.** Our server also processes every accepted delivery in
  its job queue, in the same process, while the load goes on: start the job (stored held by the
  runner when it has a free slot, otherwise claimed), load the event, look up the installation,
  build the hook context, run the integration's handlers, complete the job.
  The queue is read straight from the SQLite file (read-only): jobs done during the run, jobs
  still pending when it ended, how long the catch-up took, and each job's lag from enqueue to
  completion (millisecond timestamps). *CPU ms/req* is the server process's CPU time over the run
  (all threads, from \`/proc/<pid>/stat\`) divided by its responses, so it includes the background
  work done meanwhile but not what was left for later; *processed/s* is the jobs completed during
  the run over its duration.
- *PostgreSQL*: the same, with 1 and then 3 \`partnerkit start\` children on one database
  (\`${POSTGRES_DATABASE}\`, created afresh on the server of \`--postgres\`, ${options.postgresUrl.replace(/\/[^/]*$/, "")}),
  sharing an encryption key; an installation is created through the first. The connections are
  split evenly between the instances, as a load balancer spreads them, all taking deliveries
  from one feed; each instance wakes the others through \`LISTEN/NOTIFY\` when it queues jobs.
  No ceiling is run. *CPU ms/delivery* adds up all instances over the run and the catch-up after
  it; *PostgreSQL* is the CPU time of the database's backend processes over the same span (those
  still open at its end).
- Latency is per response, from autocannon's timings at full precision, 2xx only, leaving out
  the run's first response on each connection (it also paid for opening the connection).
- *Two latencies.* autocannon's connections each wait for their answer before sending again (a
  closed loop), so the server runs flat out and the latency follows from its throughput (Little's
  law, below). Vercel's deliveries do not wait for each other: after the measured run, our server
  also gets ${formatCount(TARGET_REQUESTS_PER_SECOND)} deliveries a second for ${options.durationSeconds} s, each sent when it is due over
  ${options.connections} keep-alive connections whatever the earlier answers' pace (an open loop,
  \`bench/lib/paced-load.ts\`; autocannon's own rate limit sends each connection's share in a burst at
  the start of every second). Its latency runs from when a delivery was due, so waiting for a
  free connection counts. The ceiling then gets the same deliveries at the same rate: its
  latency is what this machine gives a server that does only what every receiver must, the
  floor under ours (on a shared VM its tail moves from run to run).
- To see where our server spends its time: \`npm run bench -- webhook-ingest --profile <dir>\` writes a
  V8 CPU profile of it under \`<dir>/webhook-ingest/\` (open it in Chrome DevTools).

**Machine:** ${machineSummary(machine)}.${warning ? `\n\n> ${warning}` : ""}

**Results** (${formatWhen(finishedAt)}):

${renderMarkdownTable(resultsTable(measurement))}

Our background processing (the job queue) during and after the measured run:

${renderMarkdownTable(backgroundTable(measurement))}

Deliveries sent at a steady ${formatCount(TARGET_REQUESTS_PER_SECOND)}/s over the same connections (open loop): to ours, with
its queue's catch-up, then to the ceiling; ${LEAD_IN_NOTE}:

${renderMarkdownTable(pacedTable(measurement))}

${postgresSection(postgres, renderMarkdownTable).join("\n")}

${renderMarkdownTable(verdictsTable(verdicts(measurement)))}

${notes(measurement, options).join("\n\n")}`;
}
