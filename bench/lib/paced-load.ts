import { fork } from "node:child_process";
import { once } from "node:events";
import { BenchError } from "./errors.ts";
import type { LatencySummary } from "./latency.ts";
import type { PacedSenderJob } from "./paced-sender.ts";
import { repoFile } from "./paths.ts";
import type { RequestFeed, RequestPart } from "./request-feed.ts";

export interface PacedLoadSpec {
  baseUrl: string;
  method: "GET" | "POST";
  /** The default path; a feed's part may name its own. */
  path: string;
  /** Keep-alive connections; a request due while all are busy waits for one. */
  connections: number;
  /** Requests sent per second, evenly spaced, whatever the answers' pace. */
  ratePerSecond: number;
  durationSeconds: number;
  feed: RequestFeed;
}

/**
 * The first second of a paced load is a lead-in, reported apart from the rest: the sender is a
 * fresh process whose code is not yet compiled and whose connections are still opening. In the
 * runs that set this, the first second's p99 was 4–14 times that of the seconds after it, for
 * our server and the ceiling alike.
 */
export const LEAD_IN_SECONDS = 1;

/** The requests a paced load sends: its lead-in and its timed seconds. */
export function pacedRequestCount(ratePerSecond: number, durationSeconds: number): number {
  return Math.floor(ratePerSecond * (LEAD_IN_SECONDS + durationSeconds));
}

export interface PacedLoadResult {
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  elapsedSeconds: number;
  /** Answers per second over the run. */
  answeredPerSecond: number;
  /**
   * Of 2xx answers, from when each request was due to be sent to its answer: time spent waiting
   * for a free connection counts, as it would for a sender that does not wait for answers.
   */
  latency: LatencySummary;
  /** The same for the lead-in's requests, which `latency` leaves out. */
  leadInLatency: LatencySummary;
}

/**
 * An open-loop load: requests leave at a fixed rate whether or not earlier ones were answered,
 * as Vercel's deliveries arrive, and each latency is measured from the request's due time. A
 * closed loop (autocannon's connections, each waiting for its answer) measures latency at
 * saturation instead, where it is the connections over the throughput (Little's law); its rate
 * limit sends each connection's share in a burst at the start of every second.
 *
 * The requests are sent from a child process (`paced-sender.ts`), given their parts up front.
 */
export async function runPacedLoad(spec: PacedLoadSpec): Promise<PacedLoadResult> {
  const { feed, ...rest } = spec;
  const total = pacedRequestCount(spec.ratePerSecond, spec.durationSeconds);
  const parts: RequestPart[] = [];
  for (let index = 0; index < total; index += 1) {
    const part = feed.take();
    if (!part) throw new BenchError(`A paced load of ${total} requests needs as many parts`);
    parts.push(part);
  }
  const sender = fork(repoFile("bench/lib/paced-sender.ts"), {
    execArgv: ["--import", "tsx"],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const killOnExit = () => sender.kill("SIGKILL");
  process.once("exit", killOnExit);
  try {
    const answer = once(sender, "message").then(([result]) => result as PacedLoadResult);
    const exited = once(sender, "exit").then(([code]) => code as number | null);
    sender.send({ spec: rest, parts } satisfies PacedSenderJob);
    const first = await Promise.race([answer, exited]);
    if (typeof first === "object" && first !== null) return first;
    throw new BenchError(`The paced sender exited (${first}) without a result`);
  } finally {
    process.off("exit", killOnExit);
    if (sender.exitCode === null) sender.kill();
  }
}
