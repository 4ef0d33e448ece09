import autocannon from "autocannon";
import { LatencyRecorder, type LatencySummary } from "./latency.ts";
import { processCpuMs } from "./process-cpu.ts";
import type { RequestFeed } from "./request-feed.ts";

/** A server the load is sent to. */
export interface LoadTarget {
  baseUrl: string;
  /** The server's process, to charge it the CPU time the run cost. */
  serverPid?: number;
}

export interface LoadSpec extends LoadTarget {
  method?: "GET" | "POST";
  /** The default path; a feed's part may name its own (see `RequestPart`). */
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
  /** Also keep latencies apart by each part's `label` (see `LoadResult.latencyByLabel`). */
  byLabel?: boolean;
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
  /** With `byLabel`: the same, for the requests of each label. */
  latencyByLabel: Record<string, LatencySummary>;
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
export function runLoad(spec: LoadSpec, tally = new LoadTally()): Promise<LoadResult> {
  return runLoadAcross([spec], spec, tally);
}

/**
 * One run against several servers at once, as a load balancer would spread it: the connections
 * (and a warm-up's requests) are split evenly, one autocannon per server, all taking their parts
 * from the one feed. The result is one round: every response, and the CPU time of every server.
 */
export async function runLoadAcross(
  targets: readonly LoadTarget[],
  spec: Omit<LoadSpec, keyof LoadTarget>,
  tally = new LoadTally(),
): Promise<LoadResult> {
  const statusCodes: Record<string, number> = {};
  const responseTimes: number[] = [];
  const usedBefore = spec.feed.used;
  // Each connection builds its next request before it is sent: that many items go unsent.
  const sendable = Math.max(targets.length, spec.feed.remaining - spec.connections);
  const pids = targets.flatMap((target) => (target.serverPid ? [target.serverPid] : []));
  const cpuBefore = await serversCpuMs(pids);
  const startedAt = performance.now();
  const results = await Promise.all(
    targets.map((target, index) => {
      const share = (total: number) => evenShare(total, targets.length, index);
      const limit =
        spec.requests !== undefined
          ? { amount: share(spec.requests) }
          : { duration: spec.durationSeconds, maxOverallRequests: share(sendable) };
      return oneAutocannon(target.baseUrl, share(spec.connections), limit);
    }),
  );
  const cpuAfter = await serversCpuMs(pids);

  tally.add({
    startedAt,
    responseTimes,
    statusCodes,
    errors: results.reduce((total, result) => total + result.errors, 0),
    timeouts: results.reduce((total, result) => total + result.timeouts, 0),
    cpuMs: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined,
    itemsUsed: spec.feed.used - usedBefore,
    feedExhausted: spec.feed.remaining === 0,
  });
  return tally.result();

  function oneAutocannon(
    url: string,
    connections: number,
    limit: Pick<autocannon.Options, "amount" | "duration" | "maxOverallRequests">,
  ): Promise<autocannon.Result> {
    let answered = 0;
    // With one request in flight per connection, a connection's response comes before its next
    // request is built: the label its context holds is the answered request's.
    let answeredLabel: string | undefined;
    const setupRequest = (request: autocannon.Request, context: RequestContext) => {
      const part = spec.feed.take();
      context.label = part?.label;
      // A spent feed sends the request bare: it fails visibly instead of being hidden by a reuse.
      if (part === undefined) return request;
      return {
        ...request,
        headers: { ...request.headers, ...part.headers },
        ...(part.method !== undefined && { method: part.method }),
        ...(part.path !== undefined && { path: part.path }),
        ...(part.body !== undefined && { body: part.body }),
      };
    };
    const onResponse = (_status: number, _body: string, context: RequestContext) => {
      answeredLabel = context.label;
    };
    return new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url,
          connections,
          pipelining: 1,
          ...limit,
          requests: [
            {
              method: spec.method ?? "GET",
              path: spec.path,
              headers: spec.headers,
              setupRequest: setupRequest as autocannon.Request["setupRequest"],
              ...(spec.byLabel && { onResponse: onResponse as autocannon.Request["onResponse"] }),
            },
          ],
        },
        (error: unknown, done: autocannon.Result) => (error ? reject(error) : resolve(done)),
      );
      instance.on("response", (_client, statusCode, _bytes, responseTime) => {
        responseTimes.push(performance.now());
        statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
        answered += 1;
        // The first answers of a run also paid for opening the connections.
        const connecting = answered <= connections;
        if (!isOk(statusCode) || connecting) return;
        tally.latency.record(responseTime);
        if (spec.byLabel && answeredLabel !== undefined)
          tally.latencyOf(answeredLabel).record(responseTime);
      });
    });
  }
}

/** What autocannon keeps per connection between building a request and reading its answer. */
interface RequestContext {
  label?: string;
}

/** Part `index` of `total` split in `parts` whole shares, the first ones one larger. */
function evenShare(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

async function serversCpuMs(pids: readonly number[]): Promise<number | undefined> {
  if (pids.length === 0) return undefined;
  const times = await Promise.all(pids.map(processCpuMs));
  let total = 0;
  for (const time of times) {
    if (time === undefined) return undefined;
    total += time;
  }
  return total;
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
  readonly #byLabel = new Map<string, LatencyRecorder>();
  readonly #rounds: Round[] = [];

  latencyOf(label: string): LatencyRecorder {
    let recorder = this.#byLabel.get(label);
    if (!recorder) {
      recorder = new LatencyRecorder();
      this.#byLabel.set(label, recorder);
    }
    return recorder;
  }

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
      latencyByLabel: Object.fromEntries(
        [...this.#byLabel].map(([label, recorder]) => [label, recorder.summary()]),
      ),
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
