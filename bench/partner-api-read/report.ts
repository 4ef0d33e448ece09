import { formatCount, formatSeconds, formatWhen } from "../lib/format.ts";
import { busyMachineWarning, type MachineInfo, machineSummary } from "../lib/machine.ts";
import { renderMarkdownTable, renderTextTable } from "../lib/table.ts";
import { targetsLine, verdictsTable } from "../lib/verdicts.ts";
import type { BenchOptions } from "../options.ts";
import { type Measurement, RSS_SAMPLE_MS } from "./measure.ts";
import {
  cpuNote,
  latencyNote,
  memoryNote,
  memoryTable,
  poolNote,
  resultsTable,
} from "./summary.ts";
import { TARGET_P99_MS, TARGET_RATIO, TARGET_RSS_MB, verdicts } from "./targets.ts";

export interface ReportInput {
  measurement: Measurement;
  options: BenchOptions;
  machine: MachineInfo;
  jwksFetches: number;
  finishedAt: Date;
}

/** The table and verdicts printed at the end of the run. */
export function renderText({ measurement, options, machine }: ReportInput): string {
  const warning = busyMachineWarning(machine);
  const memory = memoryTable(measurement);
  return [
    "",
    "Partner API read — GET /v1/installations/:id/resources/:rid, " +
      `${options.connections} connections, ${roundsText(measurement.rounds)} taken in turns`,
    "",
    renderTextTable(resultsTable(measurement)),
    "",
    ...(memory ? [renderTextTable(memory), ""] : []),
    renderTextTable(verdictsTable(verdicts(measurement))),
    "",
    targetsLine(verdicts(measurement)),
    latencyNote(options),
    cpuNote(measurement),
    memoryNote(measurement),
    poolNote(measurement, options),
    `Machine: ${machineSummary(machine)}`,
    ...(warning ? [warning] : []),
    "",
  ].join("\n");
}

/** This benchmark's section of docs/benchmarks.md. */
export function renderMarkdown(input: ReportInput): string {
  const { measurement, options, machine } = input;
  const when = formatWhen(input.finishedAt);
  const warning = busyMachineWarning(machine);
  const memory = memoryTable(measurement);
  return `## Partner API read: \`GET /v1/installations/:id/resources/:rid\`

**What is measured.** Requests per second and latency of an authenticated resource read on our
real server, next to a *ceiling*: a bare \`node:http\` server that does nothing but the same jose
token verification and answers static JSON. RS256 verification is a cost no Partner API server can
avoid, so the ratio ours/ceiling is the share of the possible throughput we keep.
Targets: ratio ≥ ${TARGET_RATIO} and p99 < ${TARGET_P99_MS} ms at ${options.connections} connections; RSS of our server
under this load < ${TARGET_RSS_MB} MB.

**How** (\`bench/partner-api-read/\`, run by \`npm run bench\`):

- *Ours*: \`partnerkit start\` (\`src/cli/main.ts\`) in a child process — the Acme KV integration
  over SQLite in a temporary directory, \`LOG_LEVEL=warn\`, \`NODE_ENV=production\`. It verifies
  tokens as in production: \`createVercelKeySet\` on a JWKS URL served over HTTP by a small
  \`node:http\` server in the bench. The key set is cached, every signature is verified.
  Key set fetches in this run: ${input.jwksFetches}.
- State is created through the Partner API itself, with signed ADMIN user tokens: \`PUT\` the
  installation, \`POST\` an Acme KV resource. The load then reads that resource as a USER.
- *Ceiling*: \`bench/servers/ceiling-server.ts\`, its own child process — \`jwtVerify\` with the same
  remote key set, issuer, audience, RS256 and \`exp\` rule, answering the bytes our server answers.
- *Load*: autocannon in the parent process, keep-alive connections, no pipelining, one server
  at a time; the servers and the load generator share the machine's cores.
  Connections: ${options.connections}. Warm-up: ${formatCount(options.warmupRequests)} requests per server.
  Measured: ${roundsText(measurement.rounds)} taken in turns (partnerkit, ceiling, partnerkit, …), each
  sending both servers the same number of requests: what the faster one answered in
  ${formatSeconds((options.durationSeconds / measurement.rounds) * 1000)} during the warm-up. The machine is often shared; turns this short put whatever else
  it does on both servers alike. Each row adds up all rounds of its server.
- Every request carries its own RS256 token (unique \`jti\`), minted before the load starts; each
  token reaches each server at most once, so no verification result can be cached. If the pool
  runs out a round stops rather than reuse a token.
- Latency is per response, from autocannon's timings at full precision, 2xx only, leaving out
  each round's first response on each connection (it also paid for opening the connection); req/s is
  responses divided by the time from the first request to the last response. *CPU ms/req* is the
  server process's CPU time (all threads, from \`/proc/<pid>/stat\`) over the run divided by its
  responses, and *cores* how many cores it kept busy; when other work competes for the machine,
  these move much less than req/s.
- *Memory*: our server's RSS (\`VmRSS\` in \`/proc/<pid>/status\`) once seeded, then every
  ${RSS_SAMPLE_MS} ms while the measured rounds load it; its peak is \`VmHWM\` at the end.
- To see where our server spends its time: \`npm run bench -- partner-api-read --profile <dir>\` writes a
  V8 CPU profile of it under \`<dir>/partner-api-read/\` (open it in Chrome DevTools).

**Machine:** ${machineSummary(machine)}.${warning ? `\n\n> ${warning}` : ""}

**Results** (${when}):

${renderMarkdownTable(resultsTable(measurement))}
${memory ? `\n${renderMarkdownTable(memory)}\n` : ""}
${renderMarkdownTable(verdictsTable(verdicts(measurement)))}

${latencyNote(options)}

${cpuNote(measurement)}

${memoryNote(measurement)}

${poolNote(measurement, options)}`;
}

const roundsText = (rounds: number) => (rounds === 1 ? "1 round" : `${rounds} rounds`);
