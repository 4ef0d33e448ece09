import { randomBytes } from "node:crypto";
import { startVercelApi } from "../action-turnaround/vercel-api.ts";
import { Cleanups } from "../lib/cleanups.ts";
import { BenchError } from "../lib/errors.ts";
import { itemsForRun, type LoadResult } from "../lib/load.ts";
import { loadFailures } from "../lib/load-failures.ts";
import { processCpuMs } from "../lib/process-cpu.ts";
import { progress } from "../lib/progress.ts";
import type { BenchOptions } from "../options.ts";
import type { ChildServer } from "../servers/child-server.ts";
import { JobQueueProbe } from "../servers/job-queue.ts";
import { startPartnerkit } from "../servers/partnerkit.ts";
import { databaseUrl, recreateDatabase, withClient } from "../servers/postgres.ts";
import { seedResource } from "../servers/seed.ts";
import type { BenchCaller } from "../tokens/issuer.ts";
import { startSigning } from "../tokens/signing.ts";
import { buildDeliveries } from "./deliveries.ts";
import { type Background, drain, measuredRun, postDeliveries, queueFailures } from "./load.ts";

/** Created afresh for each run on the `--postgres` server, and left there afterwards. */
export const POSTGRES_DATABASE = "partnerkit_bench_ingest";
/** Instance counts the benchmark is run with, one after the other. */
export const POSTGRES_INSTANCES = [1, 3];
const MAX_DELIVERIES = 150_000;

const CALLER: BenchCaller = {
  installationId: "icfg_bench_ingest_pg",
  accountId: "acct_bench_ingest_pg",
  userId: "user_bench_ingest_pg",
};

/** The runs, or why there are none (no PostgreSQL server answered). */
export type PostgresOutcome = { runs: PostgresRun[] } | { skipped: string };

export interface PostgresRun {
  instances: number;
  ours: LoadResult;
  background: Background;
  storedEvents: number;
  acceptedDeliveries: number;
  /**
   * CPU time of the PostgreSQL backends serving the bench database over the run and the
   * catch-up, per delivery; undefined when their `/proc` entries cannot be read.
   */
  postgresCpuMsPerDelivery?: number;
  /** Lines our servers logged (at `LOG_LEVEL=warn`) from the warm-up on. */
  serverLogLines: number;
}

/** One run per count of `POSTGRES_INSTANCES`, if the `--postgres` server answers. */
export async function measureOnPostgres(options: BenchOptions): Promise<PostgresOutcome> {
  try {
    await withClient(options.postgresUrl, (client) => client.query("SELECT 1"));
  } catch (error) {
    return { skipped: `no PostgreSQL server at ${options.postgresUrl} (${String(error)})` };
  }
  const runs: PostgresRun[] = [];
  for (const instances of POSTGRES_INSTANCES) runs.push(await measurePostgres(options, instances));
  return { runs };
}

/**
 * The same deliveries as on SQLite, to `instances` servers sharing one PostgreSQL database,
 * the connections split evenly between them; every instance takes jobs from the one queue.
 */
async function measurePostgres(options: BenchOptions, instances: number): Promise<PostgresRun> {
  const cleanups = new Cleanups();
  try {
    const { issuer, jwks } = await startSigning(cleanups);
    const vercel = await startVercelApi();
    cleanups.add(() => vercel.close());
    await recreateDatabase(options.postgresUrl, POSTGRES_DATABASE);
    const url = databaseUrl(options.postgresUrl, POSTGRES_DATABASE);
    const encryptionKey = randomBytes(32).toString("base64");
    const servers: ChildServer[] = [];
    // One after the other: the first migrates the empty database.
    for (let index = 0; index < instances; index++) {
      const server = await startPartnerkit({
        jwksUrl: jwks.url,
        databaseUrl: url,
        encryptionKey,
        vercelApiUrl: vercel.url,
        profileDir: options.profileDir,
      });
      cleanups.add(() => server.stop());
      servers.push(server);
    }
    progress(`${instances} partnerkit instance(s) on PostgreSQL ${POSTGRES_DATABASE}`);
    const seeded = await seedResource(servers[0]?.url ?? "", issuer, CALLER);
    const queue = await JobQueueProbe.postgres(url);
    cleanups.add(() => queue.close());
    return await measure(options, servers, queue, url, seeded.installationId);
  } finally {
    await cleanups.run();
  }
}

async function measure(
  options: BenchOptions,
  servers: ChildServer[],
  queue: JobQueueProbe,
  url: string,
  installationId: string,
): Promise<PostgresRun> {
  const logLines = () => servers.reduce((sum, server) => sum + server.outputLines, 0);
  const logLinesBefore = logLines();
  const phase = `pg${servers.length}`;
  const warmDeliveries = buildDeliveries(
    options.warmupRequests + options.connections,
    `${phase}-warm-up`,
    installationId,
  );
  const warmup = await postDeliveries(servers, warmDeliveries, options, options.warmupRequests);
  const failures = loadFailures("partnerkit warm-up", warmup);
  if (failures.length > 0) throw new BenchError(`Warm-up failed:\n${failures.join("\n")}`);
  const warmupDrain = await drain(queue, servers, "warm-up");

  const count = Math.min(
    MAX_DELIVERIES,
    Math.max(
      options.connections * 4,
      itemsForRun(warmup.lateRequestsPerSecond, options.durationSeconds),
    ),
  );
  const deliveries = buildDeliveries(count, phase, installationId);
  const postgresBefore = await backendsCpuMs(url);
  const { ours, background } = await measuredRun(queue, servers, deliveries, options, warmupDrain);
  const postgresAfter = await backendsCpuMs(url);
  const postgresCpuMs = spentSince(postgresBefore, postgresAfter);
  return {
    instances: servers.length,
    ours,
    background,
    storedEvents: await queue.storedWebhookEvents(),
    acceptedDeliveries: warmup.ok + ours.ok,
    ...(postgresCpuMs !== undefined && {
      postgresCpuMsPerDelivery: postgresCpuMs / Math.max(1, ours.ok),
    }),
    serverLogLines: logLines() - logLinesBefore,
  };
}

/** CPU time so far of each backend process serving the bench database, by pid. */
async function backendsCpuMs(url: string): Promise<Map<number, number | undefined>> {
  const pids = await withClient(url, async (client) => {
    const { rows } = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    return rows.map((row) => row.pid);
  });
  return new Map(
    await Promise.all(pids.map(async (pid) => [pid, await processCpuMs(pid)] as const)),
  );
}

/**
 * What the backends alive at the end spent since `before` (all of it, for those opened since);
 * a backend that closed in between is not counted. Undefined when `/proc` cannot be read.
 */
function spentSince(
  before: Map<number, number | undefined>,
  after: Map<number, number | undefined>,
): number | undefined {
  let spent = 0;
  for (const [pid, ms] of after) {
    if (ms === undefined) return undefined;
    spent += ms - (before.get(pid) ?? 0);
  }
  return spent;
}

export function postgresFailures(outcome: PostgresOutcome): string[] {
  if ("skipped" in outcome) return [];
  return outcome.runs.flatMap((run) => {
    const name = `partnerkit on PostgreSQL, ${run.instances} instance(s)`;
    return [...loadFailures(name, run.ours), ...queueFailures(name, run)];
  });
}
