import { BenchError } from "../lib/errors.ts";
import { formatCount, formatRate, formatSeconds } from "../lib/format.ts";
import { itemsForRun, type LoadResult, runLoad } from "../lib/load.ts";
import { loadFailures } from "../lib/load-failures.ts";
import { progress } from "../lib/progress.ts";
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

export interface Measurement {
  warmup: { ours: LoadResult; ceiling: LoadResult };
  pool: TokenPoolPlan;
  ours: LoadResult;
  ceiling: LoadResult;
}

/**
 * Warm-up both servers, size the token pool from the warm-up rates, mint it, then load each
 * server in turn for the measured duration. Every token is sent at most once to each server.
 */
export async function measure(env: BenchEnvironment, options: BenchOptions): Promise<Measurement> {
  const warmTokens = await mint(env, options.warmupRequests, "warm-up");
  const warmup = {
    ours: await load(env, env.ours, warmTokens.tokens, options, "warm-up"),
    ceiling: await load(env, env.ceiling, warmTokens.tokens, options, "warm-up"),
  };
  // A server that fails now would fail the whole run: say so before minting for a minute.
  const warmupFailures = [
    ...loadFailures("partnerkit warm-up", warmup.ours),
    ...loadFailures("ceiling warm-up", warmup.ceiling),
  ];
  if (warmupFailures.length > 0)
    throw new BenchError(`Warm-up failed:\n${warmupFailures.join("\n")}`);

  const fastest = Math.max(warmup.ours.lateRequestsPerSecond, warmup.ceiling.lateRequestsPerSecond);
  const needed = itemsForRun(fastest, options.durationSeconds);
  const budget = Math.floor((MAX_MINT_SECONDS * 1000) / Math.max(warmTokens.msPerToken, 0.01));
  const size = Math.max(options.connections * 2, Math.min(needed, budget));
  if (size < needed) {
    progress(
      `pool capped at ${formatCount(size)} of ${formatCount(needed)} tokens ` +
        `(${MAX_MINT_SECONDS} s minting budget): runs may end before ${options.durationSeconds} s`,
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
  return {
    warmup,
    pool,
    ours: await load(env, env.ours, minted.tokens, options),
    ceiling: await load(env, env.ceiling, minted.tokens, options),
  };
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

async function load(
  env: BenchEnvironment,
  server: ChildServer,
  tokens: readonly string[],
  options: BenchOptions,
  phase?: "warm-up",
): Promise<LoadResult> {
  const what = phase
    ? `${formatCount(tokens.length)} warm-up requests`
    : `${options.durationSeconds} s`;
  progress(`${server.name}: ${what} at ${options.connections} connections…`);
  const result = await runLoad({
    baseUrl: server.url,
    path: env.path,
    headers: { "x-vercel-auth": "user" },
    connections: options.connections,
    feed: bearerTokens(tokens),
    serverPid: server.pid,
    ...(phase ? { requests: tokens.length } : { durationSeconds: options.durationSeconds }),
  });
  progress(
    `${server.name}: ${formatRate(result.requestsPerSecond)} req/s, ` +
      `p99 ${result.latency.p99.toFixed(2)} ms, ${formatCount(result.non2xx)} non-2xx` +
      (result.serverCpu ? `, ${result.serverCpu.msPerRequest.toFixed(3)} CPU ms/request` : "") +
      (result.feedExhausted && !phase ? " — token pool ran out, run ended early" : ""),
  );
  return result;
}
