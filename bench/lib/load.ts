import autocannon from "autocannon";
import { LatencyRecorder, type LatencySummary } from "./latency.ts";
import { processCpuMs } from "./process-cpu.ts";
import type { RequestFeed } from "./request-feed.ts";

export interface LoadSpec {
  baseUrl: string;
  method?: "GET" | "POST";
  path: string;
  /** Sent with every request; the feed's headers are added to them. */
  headers?: Record<string, string>;
  connections: number;
  /** Each request takes its own part (a token, a signed body) from here; none is sent twice. */
  feed: RequestFeed;
  /** Either a timed run (stopped early if the feed runs dry)… */
  durationSeconds?: number;
  /** …or exactly this many requests (a warm-up). */
  requests?: number;
  /** The server's process, to charge it the CPU time the run cost. */
  serverPid?: number;
}

export interface ServerCpu {
  /** CPU time of the server process per response, in ms. */
  msPerRequest: number;
  /** Cores the server kept busy on average (1 = one core all the time). */
  cores: number;
}

export interface LoadResult {
  responses: number;
  ok: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Connection errors and timeouts, as autocannon counts them. */
  errors: number;
  timeouts: number;
  elapsedSeconds: number;
  requestsPerSecond: number;
  /** Rate over the second half of the responses: closer to steady state than a cold start. */
  lateRequestsPerSecond: number;
  /** Of 2xx responses, leaving out a run's first response per connection (it opened it). */
  latency: LatencySummary;
  serverCpu?: ServerCpu;
  /** Items the run took from its feed (autocannon builds one request ahead per connection). */
  itemsUsed: number;
  feedExhausted: boolean;
}

/**
 * Room above the rate seen late in a warm-up when sizing a feed for a timed run: a warm server
 * is faster than one still warming up, and a busy machine makes the warm-up rate a poor guess.
 */
const FEED_HEADROOM = 1.5;
/** autocannon stops its clients at its next one-second tick, up to a second past the duration. */
const TAIL_SECONDS = 1;

/** How many items a timed run at about `requestsPerSecond` should have ready, with headroom. */
export function itemsForRun(requestsPerSecond: number, durationSeconds: number): number {
  return Math.ceil(requestsPerSecond * (durationSeconds + TAIL_SECONDS) * FEED_HEADROOM);
}

/**
 * One autocannon run (keep-alive, no pipelining), each request with its own part of the feed.
 * With a `tally`, the run is one round of a longer measurement and the result covers every round
 * added to it so far (see `LoadTally`).
 */
export async function runLoad(spec: LoadSpec, tally = new LoadTally()): Promise<LoadResult> {
  const statusCodes: Record<string, number> = {};
  const responseTimes: number[] = [];
  const usedBefore = spec.feed.used;

  const setupRequest = (request: autocannon.Request): autocannon.Request => {
    const part = spec.feed.take();
    // A spent feed sends the request bare: it fails visibly instead of being hidden by a reuse.
    if (part === undefined) return request;
    return {
      ...request,
      headers: { ...request.headers, ...part.headers },
      ...(part.body !== undefined && { body: part.body }),
    };
  };
  // Each connection builds its next request before it is sent: that many items go unsent.
  const sendable = Math.max(1, spec.feed.remaining - spec.connections);
  const limit =
    spec.requests !== undefined
      ? { amount: spec.requests }
      : { duration: spec.durationSeconds, maxOverallRequests: sendable };

  const cpuBefore = spec.serverPid ? await processCpuMs(spec.serverPid) : undefined;
  const startedAt = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.baseUrl,
        connections: spec.connections,
        pipelining: 1,
        ...limit,
        requests: [
          { method: spec.method ?? "GET", path: spec.path, headers: spec.headers, setupRequest },
        ],
      },
      (error: unknown, done: autocannon.Result) => (error ? reject(error) : resolve(done)),
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      responseTimes.push(performance.now());
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      // The first answers of a run also paid for opening the connections.
      const connecting = responseTimes.length <= spec.connections;
      if (isOk(statusCode) && !connecting) tally.latency.record(responseTime);
    });
  });
  const cpuAfter = spec.serverPid ? await processCpuMs(spec.serverPid) : undefined;

  tally.add({
    startedAt,
    responseTimes,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    cpuMs: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined,
    itemsUsed: spec.feed.used - usedBefore,
    feedExhausted: spec.feed.remaining === 0,
  });
  return tally.result();
}

interface Round {
  startedAt: number;
  /** When each response arrived (`performance.now()`). */
  responseTimes: number[];
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  cpuMs: number | undefined;
  itemsUsed: number;
  feedExhausted: boolean;
}

/**
 * The rounds of one server's measurement, taken in turns with another server's so that a change
 * in what else the machine is doing falls on both: counts, times and CPU add up, latencies are
 * pooled, and the rate is all responses over the time spent answering them.
 */
export class LoadTally {
  readonly latency = new LatencyRecorder();
  readonly #rounds: Round[] = [];

  add(round: Round): void {
    this.#rounds.push(round);
  }

  result(): LoadResult {
    const statusCodes: Record<string, number> = {};
    let responses = 0;
    let elapsedMs = 0;
    let cpuMs: number | undefined = 0;
    for (const round of this.#rounds) {
      for (const [code, count] of Object.entries(round.statusCodes))
        statusCodes[code] = (statusCodes[code] ?? 0) + count;
      responses += round.responseTimes.length;
      elapsedMs += (round.responseTimes.at(-1) ?? round.startedAt) - round.startedAt;
      cpuMs = cpuMs === undefined || round.cpuMs === undefined ? undefined : cpuMs + round.cpuMs;
    }
    const last = this.#rounds.at(-1);
    const elapsedSeconds = elapsedMs / 1000;
    const ok = sum(Object.entries(statusCodes), ([code, count]) =>
      isOk(Number(code)) ? count : 0,
    );
    return {
      responses,
      ok,
      non2xx: responses - ok,
      statusCodes,
      errors: sum(this.#rounds, (round) => round.errors),
      timeouts: sum(this.#rounds, (round) => round.timeouts),
      elapsedSeconds,
      requestsPerSecond: elapsedSeconds > 0 ? responses / elapsedSeconds : 0,
      lateRequestsPerSecond: last ? lateRate(last) : 0,
      latency: this.latency.summary(),
      ...(cpuMs !== undefined &&
        responses > 0 && {
          serverCpu: { msPerRequest: cpuMs / responses, cores: cpuMs / 1000 / elapsedSeconds },
        }),
      itemsUsed: sum(this.#rounds, (round) => round.itemsUsed),
      feedExhausted: last?.feedExhausted ?? false,
    };
  }
}

/** Responses per second over the second half of a round's responses. */
function lateRate(round: Round): number {
  const times = round.responseTimes;
  const halfway = times[Math.floor(times.length / 2)] ?? round.startedAt;
  const lateSeconds = ((times.at(-1) ?? round.startedAt) - halfway) / 1000;
  return lateSeconds > 0 ? (times.length - Math.floor(times.length / 2)) / lateSeconds : 0;
}

function isOk(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}
