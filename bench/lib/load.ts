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
  /** Of 2xx responses only. */
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

/** One autocannon run (keep-alive, no pipelining), each request with its own part of the feed. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latency = new LatencyRecorder();
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
      if (statusCode >= 200 && statusCode < 300) latency.record(responseTime);
    });
  });
  const cpuAfter = spec.serverPid ? await processCpuMs(spec.serverPid) : undefined;

  const responses = responseTimes.length;
  const lastAt = responseTimes[responses - 1] ?? performance.now();
  const elapsedSeconds = (lastAt - startedAt) / 1000;
  const halfway = responseTimes[Math.floor(responses / 2)] ?? startedAt;
  const lateSeconds = (lastAt - halfway) / 1000;
  const cpuMs =
    cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  return {
    responses,
    ok: latency.count,
    non2xx: responses - latency.count,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    elapsedSeconds,
    requestsPerSecond: elapsedSeconds > 0 ? responses / elapsedSeconds : 0,
    lateRequestsPerSecond:
      lateSeconds > 0 ? (responses - Math.floor(responses / 2)) / lateSeconds : 0,
    latency: latency.summary(),
    ...(cpuMs !== undefined &&
      responses > 0 && {
        serverCpu: { msPerRequest: cpuMs / responses, cores: cpuMs / 1000 / elapsedSeconds },
      }),
    itemsUsed: spec.feed.used - usedBefore,
    feedExhausted: spec.feed.remaining === 0,
  };
}
