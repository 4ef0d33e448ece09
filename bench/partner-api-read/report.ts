import { formatCount, formatSeconds, formatWhen } from "../lib/format.ts";
import { busyMachineWarning, type MachineInfo, machineSummary } from "../lib/machine.ts";
import { renderMarkdownTable, renderTextTable } from "../lib/table.ts";
import { targetsLine, verdictsTable } from "../lib/verdicts.ts";
import type { BenchOptions } from "../options.ts";
import { type Measurement, RSS_SAMPLE_MS } from "./measure.ts";
import { MIX, type MixResult } from "./mix.ts";
import { MIX_DATABASE, MIX_INSTALLATIONS } from "./mix-environment.ts";
import {
  cpuNote,
  latencyNote,
  memoryNote,
  memoryTable,
  mixTable,
  poolNote,
  quietNote,
  resultsTable,
} from "./summary.ts";
import { TARGET_P99_MS, TARGET_RATIO, TARGET_RSS_MB, verdicts } from "./targets.ts";

export interface ReportInput {
  measurement: Measurement;
  mixes: MixResult[];
  options: BenchOptions;
  machine: MachineInfo;
  jwksFetches: number;
  finishedAt: Date;
}

/** The table and verdicts printed at the end of the run. */
export function renderText({ measurement, mixes, options, machine }: ReportInput): string {
  const warning = busyMachineWarning(machine);
  const memory = memoryTable(measurement);
  return [
    "",
    "Partner API read, best case — GET /v1/installations/:id/resources/:rid, " +
      `${options.connections} connections, ${roundsText(measurement.rounds)} taken in turns`,
    "",
    renderTextTable(resultsTable(measurement)),
    "",
    `Realistic mix — ${mixText()}, ${options.connections} connections`,
    "",
    renderTextTable(mixTable(measurement, mixes)),
    quietNote(mixes),
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
  const { measurement, mixes, options, machine } = input;
  const when = formatWhen(input.finishedAt);
  const warning = busyMachineWarning(machine);
  const memory = memoryTable(measurement);
  return `## Partner API read: \`GET /v1/installations/:id/resources/:rid\`

**What is measured.** Requests per second and latency of authenticated resource reads on our
real server, in two settings:

- *Best case*, next to a *ceiling*: one installation with one resource on SQLite, read again and
  again, no writes. Every read after the first is served by the in-memory cache (below) without
  touching SQLite, so this measures routing, token verification and the answer. The ceiling is a
  bare \`node:http\` server that does nothing but the same jose token verification and answers
  static JSON: RS256 verification is a cost no Partner API server can avoid, so the ratio
  ours/ceiling is the share of the possible throughput we keep. Targets (of this best case):
  ratio ≥ ${TARGET_RATIO} and p99 < ${TARGET_P99_MS} ms at ${options.connections} connections; RSS of our server under this load < ${TARGET_RSS_MB} MB.
- *Realistic mix*: ${formatCount(MIX_INSTALLATIONS)} installations with one resource each; ${mixText()},
  each request for a random installation; on SQLite with one server, and on PostgreSQL with one
  and with three servers sharing the database, the connections split evenly between them as a
  load balancer would. No target: these figures say what the best case leaves out.

**What the cache does** (\`src/store/versioned-cache.ts\`, SQLite only). The two records every
authenticated call reads — the installation and the resource — are kept in memory, up to
1,000 of each (oldest dropped first), for as long as the database's change counter stands still.
Any write clears all of them: this process's own writes, and any other connection's commit,
seen through \`PRAGMA data_version\` (checked at most once per request, shared by requests
that arrive together). Reads inside a transaction bypass it. On PostgreSQL there is no cache:
other instances write without this process hearing of it, so every call reads both rows by
primary key. In the best case every read after the first is a cache hit. In the mix on SQLite,
${formatCount(MIX_INSTALLATIONS)} resources do not fit in 1,000 entries, and a write — one request in ten — empties
the cache for everyone, so nearly every read goes to SQLite.

**How** (\`bench/partner-api-read/\`, run by \`npm run bench\`, alone by \`npm run bench -- partner-api-read\`):

- *Ours*: \`partnerkit start\` (\`src/cli/main.ts\`) in a child process — the Acme KV integration,
  \`LOG_LEVEL=warn\`, \`NODE_ENV=production\`, Vercel's API emulated in the bench process
  (\`bench/action-turnaround/vercel-api.ts\`: the billing schedule reports usage soon after
  start). It verifies tokens as in production: \`createVercelKeySet\` on a JWKS URL served over
  HTTP by a small \`node:http\` server in the bench. The key set is cached, every signature is
  verified. Key set fetches in the best case: ${input.jwksFetches}.
- *Best case state* is created through the Partner API itself, with signed ADMIN user tokens:
  \`PUT\` the installation, \`POST\` an Acme KV resource, on SQLite in a temporary directory.
  The load then reads that resource as a USER.
- *Mix state*: one installation and resource created through the Partner API as above, then
  copied ${formatCount(MIX_INSTALLATIONS)} times straight into the database (\`bench/servers/bulk-seed.ts\`: the same rows,
  each with its own ids, account and sealed credentials and secrets), on SQLite in a temporary
  directory or in the PostgreSQL database \`${MIX_DATABASE}\` (made anew each run; the three servers
  come after the one on the same data). Each server's billing schedule queues a report for every
  installation soon after it starts, due evenly over 80 % of the hour (about 3 a second for
  10,000 installations); the load starts once no job is due or running and the servers are idle,
  and those reports go on trickling through it, as they would on a real server. The writes are
  \`PATCH\` (a new name) and \`POST\` (a new Acme KV resource) with ADMIN tokens; the reads, USER
  tokens.
- *Ceiling*: \`bench/servers/ceiling-server.ts\`, its own child process — \`jwtVerify\` with the same
  remote key set, issuer, audience, RS256 and \`exp\` rule, answering the bytes our server answers.
- *Load*: autocannon in the parent process, keep-alive connections, no pipelining; the servers,
  PostgreSQL and the load generator share the machine's cores.
  Connections: ${options.connections}. Warm-up: ${formatCount(options.warmupRequests)} requests per server (per configuration in the mix).
  Best case: ${roundsText(measurement.rounds)} taken in turns (partnerkit, ceiling, partnerkit, …), each
  sending both servers the same number of requests: what the faster one answered in
  ${formatSeconds((options.durationSeconds / measurement.rounds) * 1000)} during the warm-up. The machine is often shared; turns this short put whatever else
  it does on both servers alike. Each row adds up all rounds of its server. Mix: ${options.durationSeconds} s per configuration.
- Every request carries its own RS256 token (unique \`jti\`), minted before the load starts; each
  token reaches each server at most once, so no verification result can be cached. If the pool
  runs out a round stops rather than reuse a token.
- Latency is per response, from autocannon's timings at full precision, 2xx only, leaving out
  each round's first response on each connection (it also paid for opening the connection); req/s is
  responses divided by the time from the first request to the last response. *CPU ms/req* is the
  server processes' CPU time (all threads, from \`/proc/<pid>/stat\`, all instances together) over
  the run divided by the responses, and *cores* how many cores it kept busy; *PostgreSQL CPU* that
  of the PostgreSQL backends serving the database. When other work competes for the machine,
  these move much less than req/s.
- *Memory*: our server's RSS (\`VmRSS\` in \`/proc/<pid>/status\`) once seeded, then every
  ${RSS_SAMPLE_MS} ms while the measured rounds load it; its peak is \`VmHWM\` at the end.
- To see where our server spends its time: \`npm run bench -- partner-api-read --profile <dir>\` writes a
  V8 CPU profile of it under \`<dir>/partner-api-read/\` (open it in Chrome DevTools).

**Machine:** ${machineSummary(machine)}.${warning ? `\n\n> ${warning}` : ""}

**Results** (${when}), best case:

${renderMarkdownTable(resultsTable(measurement))}
${memory ? `\n${renderMarkdownTable(memory)}\n` : ""}
${renderMarkdownTable(verdictsTable(verdicts(measurement)))}

${latencyNote(options)}

${cpuNote(measurement)}

${memoryNote(measurement)}

${poolNote(measurement, options)}

Realistic mix, next to the best case (latencies in ms):

${renderMarkdownTable(mixTable(measurement, mixes))}

${quietNote(mixes)}`;
}

/** The mix in words, e.g. "90 % GET resource, 5 % PATCH resource, 5 % POST resource". */
function mixText(): string {
  return MIX.map((kind) => `${Math.round(kind.share * 100)} % ${kind.label}`).join(", ");
}

const roundsText = (rounds: number) => (rounds === 1 ? "1 round" : `${rounds} rounds`);
