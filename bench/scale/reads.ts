import { randomInt } from "node:crypto";
import { withDiskReads } from "../lib/disk-reads.ts";
import { formatCount, formatSeconds } from "../lib/format.ts";
import { itemsForRun, type LoadResult, runLoad } from "../lib/load.ts";
import { type PacedLoadResult, pacedRequestCount, runPacedLoad } from "../lib/paced-load.ts";
import { progress } from "../lib/progress.ts";
import { OnceFeed } from "../lib/request-feed.ts";
import type { BenchOptions } from "../options.ts";
import type { DatasetIds } from "../servers/dataset-ids.ts";
import { backendCpuBetween, backendCpuMs } from "../servers/postgres.ts";
import { mintTokens } from "../tokens/mint.ts";
import type { ScaleEnvironment } from "./environment.ts";

/** A Partner API read, addressed to installation `n` (and its `k`-th resource). */
export interface ReadOperation {
  name: string;
  path(ids: DatasetIds, n: number, k: number): string;
}

export const READ_OPERATIONS: readonly ReadOperation[] = [
  {
    name: "GET resource",
    path: (ids, n, k) => `/v1/installations/${ids.installation(n)}/resources/${ids.resource(n, k)}`,
  },
  {
    name: "list resources",
    path: (ids, n) => `/v1/installations/${ids.installation(n)}/resources`,
  },
];

/**
 * Connections of the read loads. The target is about the data set's size, not about queueing:
 * at 50 connections, p99 < 10 ms would need more than 5,000 req/s (Little's law), more than the
 * best case without a database reaches on a 2-core machine.
 */
export const READ_CONNECTIONS = 10;

/**
 * Reads per second of the steady loads, over the same connections: half or less of what the
 * machine sustains flat out (the closed loops' 1,000–2,000 req/s here), so that their latency is
 * more a read's own than the time it queued for two cores shared by our server, PostgreSQL, the
 * load and the billing pass.
 */
export const READ_STEADY_RATE = 500;

export interface ReadResult {
  operation: string;
  run: LoadResult;
  /** CPU time of PostgreSQL's backends for this database per response, when readable. */
  databaseCpuMsPerRequest?: number;
  /** The same reads sent at `READ_STEADY_RATE` (an open loop), after `run`. */
  steady: PacedLoadResult;
  /** MiB/s the machine read from disk during `run` and during `steady`, when readable. */
  diskMibPerSecond: { run?: number; steady?: number };
}

/** One request per token, each for a random installation (and resource) of the whole data set. */
interface AddressedToken {
  token: string;
  path: string;
}

/**
 * A warm-up, then a timed run of random reads of `operation` across the data set as fast as they
 * are answered, then one at a steady rate.
 */
export async function measureRead(
  env: ScaleEnvironment,
  operation: ReadOperation,
  options: BenchOptions,
): Promise<ReadResult> {
  const warmup = await load(await addressed(env, operation, options.warmupRequests), {
    requests: options.warmupRequests,
  });
  const size = itemsForRun(warmup.lateRequestsPerSecond, options.durationSeconds);
  const tokens = await addressed(env, operation, size);
  const adminUrl = env.dataset.databaseUrl;
  const cpuBefore = await backendCpuMs(adminUrl);
  const closed = await withDiskReads(() =>
    load(tokens, { durationSeconds: options.durationSeconds }),
  );
  const run = closed.result;
  const databaseCpuMs = backendCpuBetween(cpuBefore, await backendCpuMs(adminUrl));
  progress(
    `${operation.name}: ${formatCount(run.requestsPerSecond)} req/s, p99 ` +
      `${run.latency.p99.toFixed(2)} ms, ${formatCount(run.non2xx)} non-2xx`,
  );
  const steadyItems = await addressed(
    env,
    operation,
    pacedRequestCount(READ_STEADY_RATE, options.durationSeconds),
  );
  const paced = await withDiskReads(() => steadyLoad(steadyItems));
  const steady = paced.result;
  progress(
    `${operation.name} at a steady ${formatCount(READ_STEADY_RATE)}/s: p99 ` +
      `${steady.latency.p99.toFixed(2)} ms, ${formatCount(steady.non2xx + steady.errors)} failed`,
  );
  return {
    operation: operation.name,
    run,
    ...(run.responses > 0 && { databaseCpuMsPerRequest: databaseCpuMs / run.responses }),
    steady,
    diskMibPerSecond: { run: closed.diskMibPerSecond, steady: paced.diskMibPerSecond },
  };

  function load(items: AddressedToken[], limit: { requests?: number; durationSeconds?: number }) {
    return runLoad({
      baseUrl: env.ours.url,
      serverPid: env.ours.pid,
      path: "/",
      connections: READ_CONNECTIONS,
      feed: feedOf(items),
      ...limit,
    });
  }

  function steadyLoad(items: AddressedToken[]) {
    return runPacedLoad({
      baseUrl: env.ours.url,
      method: "GET",
      path: "/",
      connections: READ_CONNECTIONS,
      ratePerSecond: READ_STEADY_RATE,
      durationSeconds: options.durationSeconds,
      feed: feedOf(items),
    });
  }
}

function feedOf(items: AddressedToken[]): OnceFeed<AddressedToken> {
  return new OnceFeed(items, ({ token, path }) => ({
    headers: { "x-vercel-auth": "user", authorization: `Bearer ${token}` },
    path,
  }));
}

async function addressed(
  env: ScaleEnvironment,
  operation: ReadOperation,
  count: number,
): Promise<AddressedToken[]> {
  const { ids, installations, resourcesPerInstallation } = env.dataset;
  const picks = Array.from({ length: count }, () => ({
    n: randomInt(installations),
    k: randomInt(resourcesPerInstallation),
  }));
  progress(`${operation.name}: minting ${formatCount(count)} tokens for random installations…`);
  const minted = await mintTokens(count, (index) =>
    env.issuer.userToken(ids.caller((picks[index] as { n: number }).n), "USER", `scale-${index}`),
  );
  progress(`minted in ${formatSeconds(minted.msPerToken * count)}`);
  return picks.map(({ n, k }, index) => ({
    token: minted.tokens[index] as string,
    path: operation.path(ids, n, k),
  }));
}
