import { randomInt } from "node:crypto";
import { formatCount, formatSeconds } from "../lib/format.ts";
import { itemsForRun, type LoadResult, runLoadAcross } from "../lib/load.ts";
import { progress } from "../lib/progress.ts";
import { OnceFeed, type RequestPart } from "../lib/request-feed.ts";
import type { BenchOptions } from "../options.ts";
import { backendCpuBetween, backendCpuMs } from "../servers/postgres.ts";
import type { QuietWait } from "../servers/quiet-servers.ts";
import { BENCH_RESOURCE } from "../servers/seed.ts";
import type { UserRole } from "../tokens/issuer.ts";
import { mintTokens } from "../tokens/mint.ts";
import {
  MIX_CONFIGURATIONS,
  MIX_INSTALLATIONS,
  type MixConfiguration,
  type MixDataset,
  type MixServers,
  prepareMixDataset,
} from "./mix-environment.ts";

/** One kind of request of the mix, and its share of all requests. */
interface MixKind {
  label: string;
  share: number;
  role: UserRole;
  /** The request for installation `n` (its one resource is `ids.resource(n, 0)`), `index` its number. */
  build(dataset: MixDataset, n: number, index: number): Omit<RequestPart, "headers" | "label">;
}

const JSON_BODY = { "content-type": "application/json" };

/** Reads spread over every installation, with writes interleaved: a tenth of the requests. */
export const MIX: readonly MixKind[] = [
  {
    label: "GET resource",
    share: 0.9,
    role: "USER",
    build: (dataset, n) => ({ method: "GET", path: resourcePath(dataset, n) }),
  },
  {
    label: "PATCH resource",
    share: 0.05,
    role: "ADMIN",
    build: (dataset, n, index) => ({
      method: "PATCH",
      path: resourcePath(dataset, n),
      body: JSON.stringify({ name: `mix-${index}` }),
    }),
  },
  {
    label: "POST resource",
    share: 0.05,
    role: "ADMIN",
    build: (dataset, n, index) => ({
      method: "POST",
      path: `/v1/installations/${dataset.ids.installation(n)}/resources`,
      body: JSON.stringify({ ...BENCH_RESOURCE, name: `mix-${index}` }),
    }),
  },
];

const resourcePath = (dataset: MixDataset, n: number) =>
  `/v1/installations/${dataset.ids.installation(n)}/resources/${dataset.ids.resource(n, 0)}`;

export interface MixResult {
  config: MixConfiguration;
  run: LoadResult;
  /** CPU of PostgreSQL's backends for the database, per response (PostgreSQL only). */
  databaseCpuMsPerRequest?: number;
  quiet: QuietWait;
}

/**
 * Every configuration in turn, each on its engine's data set (the PostgreSQL instances after
 * one another on the same one: the second finds the billing of the first done), warmed up, then
 * loaded with the mix for the duration.
 */
export async function measureMixes(options: BenchOptions): Promise<MixResult[]> {
  const results: MixResult[] = [];
  for (const engine of new Set(MIX_CONFIGURATIONS.map((config) => config.engine))) {
    const dataset = await prepareMixDataset(engine, options);
    try {
      for (const config of MIX_CONFIGURATIONS.filter((candidate) => candidate.engine === engine)) {
        const serving = await dataset.serve(config.instances);
        try {
          results.push(await measureMix(dataset, serving, config, options));
        } finally {
          await serving.stop();
        }
      }
    } finally {
      await dataset.close();
    }
  }
  return results;
}

async function measureMix(
  dataset: MixDataset,
  serving: MixServers,
  config: MixConfiguration,
  options: BenchOptions,
): Promise<MixResult> {
  const targets = serving.servers.map((server) => ({ baseUrl: server.url, serverPid: server.pid }));
  const load = (parts: RequestPart[], limit: { requests?: number; durationSeconds?: number }) =>
    runLoadAcross(targets, {
      path: "/",
      headers: { "x-vercel-auth": "user" },
      connections: options.connections,
      feed: new OnceFeed(parts, (part) => part),
      byLabel: true,
      ...limit,
    });
  const warmup = await load(await mixParts(dataset, options.warmupRequests), {
    requests: options.warmupRequests,
  });
  const parts = await mixParts(
    dataset,
    itemsForRun(warmup.lateRequestsPerSecond, options.durationSeconds),
  );
  const postgres = config.engine === "postgres";
  const cpuBefore = postgres ? await backendCpuMs(dataset.databaseUrl) : undefined;
  const run = await load(parts, { durationSeconds: options.durationSeconds });
  const databaseCpuMs =
    cpuBefore && backendCpuBetween(cpuBefore, await backendCpuMs(dataset.databaseUrl));
  progress(
    `${config.name}: ${formatCount(run.requestsPerSecond)} req/s, p99 ` +
      `${run.latency.p99.toFixed(2)} ms, ${formatCount(run.non2xx)} non-2xx`,
  );
  return {
    config,
    run,
    ...(databaseCpuMs !== undefined &&
      run.responses > 0 && { databaseCpuMsPerRequest: databaseCpuMs / run.responses }),
    quiet: serving.quiet,
  };
}

/** `count` requests of the mix, each for a random installation, each with its own token. */
async function mixParts(dataset: MixDataset, count: number): Promise<RequestPart[]> {
  const requests = Array.from({ length: count }, (_, index) => {
    const kind = pickKind(Math.random());
    return { kind, n: randomInt(MIX_INSTALLATIONS), index };
  });
  progress(`minting ${formatCount(count)} tokens for the mix…`);
  const minted = await mintTokens(count, (index) => {
    const { kind, n } = requests[index] as (typeof requests)[number];
    return dataset.issuer.userToken(dataset.ids.caller(n), kind.role, `mix-${index}`);
  });
  progress(`minted in ${formatSeconds(minted.msPerToken * count)}`);
  return requests.map(({ kind, n, index }) => {
    const request = kind.build(dataset, n, index);
    return {
      ...request,
      label: kind.label,
      headers: {
        authorization: `Bearer ${minted.tokens[index]}`,
        ...(request.body !== undefined && JSON_BODY),
      },
    };
  });
}

function pickKind(random: number): MixKind {
  let cumulative = 0;
  for (const kind of MIX) {
    cumulative += kind.share;
    if (random < cumulative) return kind;
  }
  return MIX[0] as MixKind;
}
