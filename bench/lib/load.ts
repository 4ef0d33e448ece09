import autocannon from "autocannon";
import type { TokenPool } from "../tokens/pool.ts";
import { LatencyRecorder, type LatencySummary } from "./latency.ts";
import { processCpuMs } from "./process-cpu.ts";

export interface LoadSpec {
  baseUrl: string;
  path: string;
  headers?: Record<string, string>;
  connections: number;
  /** Each request takes the next token as its `Authorization: Bearer`; none is ever sent twice. */
  tokens: TokenPool;
  /** Either a timed run (stopped early if the pool runs dry)… */
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
  tokensUsed: number;
  poolExhausted: boolean;
}

/** One autocannon run (keep-alive, no pipelining) of authenticated GETs, one fresh token each. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latency = new LatencyRecorder();
  const statusCodes: Record<string, number> = {};
  const responseTimes: number[] = [];
  const tokensBefore = spec.tokens.used;

  const setupRequest = (request: autocannon.Request): autocannon.Request => {
    const token = spec.tokens.take();
    // A spent pool sends no token: the 401 is counted as a failure instead of hidden by a reuse.
    if (token === undefined) return request;
    return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
  };
  const limit =
    spec.requests !== undefined
      ? { amount: spec.requests }
      : { duration: spec.durationSeconds, maxOverallRequests: spec.tokens.remaining };

  const cpuBefore = spec.serverPid ? await processCpuMs(spec.serverPid) : undefined;
  const startedAt = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.baseUrl,
        connections: spec.connections,
        pipelining: 1,
        ...limit,
        requests: [{ method: "GET", path: spec.path, headers: spec.headers, setupRequest }],
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
    tokensUsed: spec.tokens.used - tokensBefore,
    poolExhausted: spec.tokens.remaining === 0,
  };
}
