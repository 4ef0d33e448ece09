import { formatMb } from "../cold-start/rss.ts";
import {
  formatCount,
  formatLatencies,
  formatMs,
  formatRate,
  formatSeconds,
} from "../lib/format.ts";
import type { LoadResult } from "../lib/load.ts";
import type { Align, Table } from "../lib/table.ts";
import type { BenchOptions } from "../options.ts";
import { type Measurement, RSS_SAMPLE_MS } from "./measure.ts";
import { MIX, type MixResult } from "./mix.ts";
import { TARGET_P99_MS } from "./targets.ts";

/** The pieces of the report, shared by its terminal and markdown forms. */

const BEST_CASE = "partnerkit, best case (SQLite, 1 resource, reads only)";

/**
 * The mix on each configuration, after the best case's figures for comparison: all requests,
 * then the reads and each kind of write on their own.
 */
export function mixTable(measurement: Measurement, mixes: readonly MixResult[]): Table {
  const kinds = MIX.map((kind) => kind.label);
  const latencies = (run: LoadResult) =>
    kinds.flatMap((kind) => {
      const latency = run.latencyByLabel[kind];
      return latency ? [formatMs(latency.p50), formatMs(latency.p99)] : ["", ""];
    });
  const row = (name: string, run: LoadResult, databaseCpu?: number) => [
    name,
    formatRate(run.requestsPerSecond),
    formatMs(run.latency.p50),
    formatMs(run.latency.p99),
    ...latencies(run),
    formatCount(run.responses),
    formatCount(run.non2xx + run.errors),
    run.serverCpu ? run.serverCpu.msPerRequest.toFixed(3) : "n/a",
    databaseCpu === undefined ? "" : databaseCpu.toFixed(3),
  ];
  return {
    headers: [
      "configuration",
      "req/s",
      "p50 ms",
      "p99 ms",
      ...kinds.flatMap((kind) => [`${kind} p50`, `${kind} p99`]),
      "requests",
      "errors",
      "server CPU ms/req",
      "PostgreSQL CPU ms/req",
    ],
    rows: [
      row("best case: SQLite, 1 instance, 1 resource, reads only", measurement.ours),
      ...mixes.map((mix) => row(`mix: ${mix.config.name}`, mix.run, mix.databaseCpuMsPerRequest)),
    ],
    align: ["left", ...Array<Align>(7 + kinds.length * 2).fill("right")],
  };
}

/** How long each configuration's servers took to finish their start-up work. */
export function quietNote(mixes: readonly MixResult[]): string {
  const waits = mixes.map(
    ({ config, quiet }) =>
      `${config.name} ${formatSeconds(quiet.ms)}${quiet.quiet ? "" : " (not quiet: measured anyway)"}`,
  );
  return `Wait for the start-up work to end before loading the mix: ${waits.join(", ")}.`;
}

export function resultsTable({ ours, ceiling }: Measurement): Table {
  const row = (name: string, run: LoadResult) => [
    name,
    formatRate(run.requestsPerSecond),
    ...formatLatencies(run.latency),
    formatCount(run.responses),
    run.elapsedSeconds.toFixed(1),
    formatCount(run.non2xx + run.errors),
    run.serverCpu ? run.serverCpu.msPerRequest.toFixed(3) : "n/a",
    run.serverCpu ? run.serverCpu.cores.toFixed(2) : "n/a",
  ];
  const headers = ["server", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "requests"];
  return {
    headers: [...headers, "secs", "errors", "CPU ms/req", "cores"],
    rows: [row(BEST_CASE, ours), row("ceiling (node:http + jose)", ceiling)],
    align: ["left", ...Array<Align>(10).fill("right")],
  };
}

/** Little's law for a closed loop: the p99 target implies a floor on throughput. */
export function latencyNote({ connections }: BenchOptions): string {
  const floor = connections / (TARGET_P99_MS / 1000);
  return (
    `With ${connections} connections each waiting for its answer, mean latency = connections ÷ ` +
    `req/s (Little's law): p99 < ${TARGET_P99_MS} ms needs more than ${formatCount(floor)} req/s.`
  );
}

/** CPU per request moves less than req/s when other work competes for the machine. */
export function cpuNote({ ours, ceiling }: Measurement): string {
  if (!ours.serverCpu || !ceiling.serverCpu) return "Server CPU time is only read on Linux.";
  const ratio = ceiling.serverCpu.msPerRequest / ours.serverCpu.msPerRequest;
  return (
    `Server CPU per request: partnerkit ${ours.serverCpu.msPerRequest.toFixed(3)} ms, ceiling ` +
    `${ceiling.serverCpu.msPerRequest.toFixed(3)} ms — efficiency ratio ceiling/ours ` +
    `${ratio.toFixed(2)}, a cross-check on the req/s ratio that competing load moves less.`
  );
}

export function poolNote({ pool, ours, ceiling }: Measurement, options: BenchOptions): string {
  const endedEarly = [ours, ceiling].some((run) => run.feedExhausted);
  return (
    `Token pool: ${formatCount(pool.size)} RS256 tokens minted before the measured runs ` +
    `(${formatSeconds(pool.mintMs)}, ${pool.msPerToken.toFixed(2)} ms each), each sent once to ` +
    `each server; ${formatCount(ours.itemsUsed)} used against partnerkit, ` +
    `${formatCount(ceiling.itemsUsed)} against the ceiling.` +
    (endedEarly ? ` The pool ran out before ${options.durationSeconds} s: a run ended early.` : "")
  );
}

/** Our server's resident memory before and under the load; undefined off Linux. */
export function memoryTable({ memory }: Measurement): Table | undefined {
  if (!memory) return undefined;
  const { beforeLoad, underLoad, peak } = memory;
  return {
    headers: [
      "server",
      "RSS before load MB",
      "under load: median MB",
      "min MB",
      "max MB",
      "samples",
      "peak (VmHWM) MB",
    ],
    rows: [
      [
        BEST_CASE,
        formatMb(beforeLoad),
        formatMb(underLoad.median),
        formatMb(underLoad.min),
        formatMb(underLoad.max),
        formatCount(underLoad.count),
        formatMb(peak),
      ],
    ],
    align: ["left", ...Array<Align>(6).fill("right")],
  };
}

export function memoryNote({ memory }: Measurement): string {
  if (!memory) return "Server memory is only read on Linux.";
  return (
    `RSS (\`VmRSS\` of our server's process, MB = 2^20 bytes) was read every ${RSS_SAMPLE_MS} ms ` +
    "while the measured rounds loaded it; the peak is the kernel's high-water mark (`VmHWM`) at " +
    "the end (or the largest sample, if higher), which also covers start-up, seeding, the " +
    "warm-up and spikes between samples."
  );
}
