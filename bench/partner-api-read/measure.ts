import { formatMb, processMemory, RssSampler } from "../cold-start/rss.ts";
import { type Spread, spread } from "../cold-start/spread.ts";
import { BenchError } from "../lib/errors.ts";
import { formatCount, formatRate, formatSeconds } from "../lib/format.ts";
import { type LoadResult, LoadTally, runLoad } from "../lib/load.ts";
import { loadFailures } from "../lib/load-failures.ts";
import { progress } from "../lib/progress.ts";
import type { RequestFeed } from "../lib/request-feed.ts";
import type { BenchOptions } from "../options.ts";
import type { ChildServer } from "../servers/child-server.ts";
import { type MintedTokens, mintTokens } from "../tokens/mint.ts";
import { bearerTokens } from "../tokens/pool.ts";
import { type BenchEnvironment, CALLER } from "./environment.ts";

/** Minting is the slow part of the run; past this the pool is capped and the run may end early. */
const MAX_MINT_SECONDS = 60;

export interface TokenPoolPlan {
  /** Tokens the measured runs were estimated to need. */
  needed: number;
  size: number;
  cappedByMintBudget: boolean;
  mintMs: number;
  msPerToken: number;
}

/** Resident memory of our server process, from `/proc/<pid>/status`, in bytes. */
export interface ServerMemory {
  /** RSS once seeded, before the first request of the warm-up. */
  beforeLoad: number;
  /** RSS sampled every `RSS_SAMPLE_MS` while the measured rounds loaded our server. */
  underLoad: Spread;
  /**
   * The highest RSS of the process's life, warm-up included: `VmHWM` at the end, or the largest
   * sample if that was higher.
   */
  peak: number;
}

export interface Measurement {
  warmup: { ours: LoadResult; ceiling: LoadResult };
  pool: TokenPoolPlan;
  /** How many turns each server had; each result adds up all of its own. */
  rounds: number;
  ours: LoadResult;
  ceiling: LoadResult;
  /** Undefined off Linux. */
  memory?: ServerMemory;
}

/** How often our server's RSS is read while it is under load. */
export const RSS_SAMPLE_MS = 100;

/**
 * Length of one turn: short, so that whatever else the machine does (it is often shared) falls
 * on both servers alike rather than on whichever ran second.
 */
const ROUND_SECONDS = 2;

/**
 * Warm-up both servers, size the token pool from the warm-up rates, mint it, then load the
 * servers in alternating rounds of equal request counts, together what the faster one answers in
 * about the measured duration. Every token is sent at most once to each server.
 */
export async function measure(env: BenchEnvironment, options: BenchOptions): Promise<Measurement> {
  const beforeLoad = await processMemory(env.ours.pid);
  const rss = new RssSampler(env.ours.pid, RSS_SAMPLE_MS);
  const warmTokens = await mint(env, options.warmupRequests, "warm-up");
  const warmUp = (server: ChildServer) =>
    load(server, bearerTokens(warmTokens.tokens), warmTokens.tokens.length, "warm-up");
  const warmup = { ours: await warmUp(env.ours), ceiling: await warmUp(env.ceiling) };
  // A server that fails now would fail the whole run: say so before minting for a minute.
  const warmupFailures = [
    ...loadFailures("partnerkit warm-up", warmup.ours),
    ...loadFailures("ceiling warm-up", warmup.ceiling),
  ];
  if (warmupFailures.length > 0)
    throw new BenchError(`Warm-up failed:\n${warmupFailures.join("\n")}`);

  // Both servers get the same requests per round, as many as the faster one answered in a
  // round's time during the warm-up.
  const rounds = Math.max(1, Math.round(options.durationSeconds / ROUND_SECONDS));
  const fastest = Math.max(warmup.ours.lateRequestsPerSecond, warmup.ceiling.lateRequestsPerSecond);
  let perRound = Math.max(
    options.connections,
    Math.ceil((fastest * options.durationSeconds) / rounds),
  );
  // autocannon may build one request per connection that it never sends: room for those too.
  const needed = rounds * (perRound + options.connections);
  const budget = Math.floor((MAX_MINT_SECONDS * 1000) / Math.max(warmTokens.msPerToken, 0.01));
  const size = Math.max(rounds * options.connections * 2, Math.min(needed, budget));
  if (size < needed) {
    perRound = Math.floor(size / rounds) - options.connections;
    progress(
      `pool capped at ${formatCount(size)} of ${formatCount(needed)} tokens ` +
        `(${MAX_MINT_SECONDS} s minting budget): rounds are shorter than planned`,
    );
  }
  const minted = await mint(env, size, "measured");
  const pool: TokenPoolPlan = {
    needed,
    size,
    cappedByMintBudget: size < needed,
    mintMs: minted.msPerToken * size,
    msPerToken: minted.msPerToken,
  };
  const feeds = { ours: bearerTokens(minted.tokens), ceiling: bearerTokens(minted.tokens) };
  const tallies = { ours: new LoadTally(), ceiling: new LoadTally() };
  let ours = warmup.ours;
  let ceiling = warmup.ceiling;
  for (let round = 1; round <= rounds; round++) {
    const label = `round ${round}/${rounds}`;
    rss.start();
    ours = await load(env.ours, feeds.ours, perRound, label, tallies.ours);
    await rss.stop();
    ceiling = await load(env.ceiling, feeds.ceiling, perRound, label, tallies.ceiling);
  }
  const atEnd = await processMemory(env.ours.pid);
  const underLoad = spread(rss.samples);
  // The kernel updates VmHWM lazily: a sample may have seen a little more.
  const memory: ServerMemory | undefined =
    beforeLoad && atEnd
      ? { beforeLoad: beforeLoad.rss, underLoad, peak: Math.max(atEnd.peakRss, underLoad.max) }
      : undefined;
  if (memory) {
    progress(
      `partnerkit RSS: ${formatMb(memory.beforeLoad)} MB before load, ` +
        `${formatMb(memory.underLoad.median)} MB median under load, ` +
        `${formatMb(memory.peak)} MB peak (VmHWM)`,
    );
  }
  return { warmup, pool, rounds, ours, ceiling, ...(memory && { memory }) };

  async function load(
    server: ChildServer,
    feed: RequestFeed,
    requests: number,
    label: string,
    tally?: LoadTally,
  ): Promise<LoadResult> {
    progress(
      `${server.name}: ${label}, ${formatCount(requests)} requests at ${options.connections} connections…`,
    );
    const result = await runLoad(
      {
        baseUrl: server.url,
        path: env.path,
        headers: { "x-vercel-auth": "user" },
        connections: options.connections,
        feed,
        serverPid: server.pid,
        requests,
      },
      tally,
    );
    progress(
      `${server.name}: ${formatRate(result.requestsPerSecond)} req/s, ` +
        `p99 ${result.latency.p99.toFixed(2)} ms, ${formatCount(result.non2xx)} non-2xx` +
        (result.serverCpu ? `, ${result.serverCpu.msPerRequest.toFixed(3)} CPU ms/request` : "") +
        (tally ? " so far" : ""),
    );
    return result;
  }
}

/** Non-2xx answers and connection errors in the measured runs: these fail the bench. */
export function measurementFailures(measurement: Measurement): string[] {
  return [
    ...loadFailures("partnerkit", measurement.ours),
    ...loadFailures("ceiling", measurement.ceiling),
  ];
}

async function mint(env: BenchEnvironment, count: number, phase: string): Promise<MintedTokens> {
  progress(`minting ${formatCount(count)} ${phase} tokens (RS256, one per request)…`);
  const minted = await mintTokens(count, (index) =>
    env.issuer.userToken(CALLER, "USER", `${phase}-${index}`),
  );
  progress(
    `minted in ${formatSeconds(minted.msPerToken * count)} (${minted.msPerToken.toFixed(2)} ms/token)`,
  );
  return minted;
}
